"""Stage 1, understand: the question normalised, corrected and parsed once into a ``Query``.

Every later stage reads the ``Query``, never the raw question: the references, editions, chapter,
named source and documents, the language it is written in, whether it is a request for writing,
and whether it stands on its own or needs the earlier turns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from ingest.normalise import normalise_text
from ingest.sentences import tokens
from rag.answer import NUMBER_WORDS, definiendum, key_terms
from rag.language import common_english
from rag.query import BOTH_EDITIONS, PARA_REF, YEAR, Query, parse, typo_fixes

DATA = Path(__file__).resolve().parent / "data"
# Zero-width characters, bidi marks, soft hyphens and the byte-order mark: invisible, and they
# split a word in two for every later stage ("safe\u200bguarding").
QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
# A section of an Act as practitioners abbreviate it ("s47", "s.17", "sec 47"): the guidance
# writes "section 47".
SECTION = re.compile(r"(?<![\w'])(?:s\.\s?|s|sec\.?\s?|sect\.?\s?)(\d{1,3}[A-Z]?)\b(?!\s*(?:%|years?\b|yrs?\b))", re.I)
# The guidance's own short name ("does WT apply to academies?"); "WT 2023", "wt 18" and "WT2023"
# name an edition, and are read as one.
SHORT_TITLE = re.compile(r"\bWT\b(?!\s?\d)", re.I)
# A word that may be one of the guidance's acronyms typed in lower case, with its plural "s".
LOWER_ACRONYM = re.compile(r"\b([A-Za-z]{2,6}?)(s?)\b")


def abbreviations_spelled(text: str, glossary: Mapping[str, str] | None = None) -> str:
    """``text`` with the shorthand practitioners type written as the guidance writes it: each
    abbreviated section of an Act ("whats a s47" -> "whats a section 47"), the guidance's short
    name ("is WT statutory" -> "is Working Together statutory"), and the guidance's acronyms typed
    in lower case ("do lsps have to meet" -> "do LSPs have to meet"), unless the word is a common
    English one as well (rag.language.common_english)."""
    text = SHORT_TITLE.sub("Working Together", SECTION.sub(lambda m: f"section {m.group(1)}", text))
    if not glossary:
        return text

    def capitals(m: re.Match[str]) -> str:
        word, short = m.group(0), m.group(1).upper()
        if word.isupper() or short not in glossary or common_english(word.lower()):
            return word
        return short + m.group(2).lower()

    return LOWER_ACRONYM.sub(capitals, text)


# A greeting before the question and thanks after it ("hi, who are the partners? thanks") are not
# what is asked: they moved the question's embedding enough to change its answer.
GREETING = re.compile(r"^(?:hi+|hello|hey|hiya|good (?:morning|afternoon|evening)|morning|afternoon)"
                      r"(?:\s+(?:there|all|everyone|team))?[\s,.!:;-]+", re.I)
THANKS = re.compile(r"[\s,.!;:-]*\b(?:(?:many\s+)?thanks|thank\s*you|thx|ty|cheers|please|pls|plz)"
                    r"(?:\s+(?:so much|very much|a lot|in advance))?[\s.!x]*$", re.I)


def without_courtesies(text: str) -> str:
    """``text`` without a greeting before it or thanks after it; as it was if nothing else is left."""
    rest = THANKS.sub("", GREETING.sub("", text)).strip()
    return rest or text


# "Can you help me write a cover letter...?" asks for a piece of writing, not about the guidance.
# A follow-up asking where the answer before it comes from ("which para says that?", "what page is
# that on", or, after an answer, just "source?"): it is answered with that answer's references; one
# naming an edition ("which 2018 paragraph is that?"), with their partners in that edition.
SOURCE_REQUEST = re.compile(
    r"\b(?:(?:which|what)\s+(?:(?:the\s+)?(?:19|20)\d\d(?:\s+edition(?:'s)?)?\s+)?"
    r"(?:para(?:graph)?|page|section|bit|part)s?(?:\s+(?:number|no))?\s+(?:(?:is|was)\s+)?"
    r"(?:that|this|it|says?|said)\b|where\s+(?:does|did|do|is)\s+(?:it|that|this)(?:\s+say)?\b|"
    r"(?:source|reference|ref|citation|para(?:graph)?\s+(?:number|no))s?\W*$)", re.I)
WRITING_TASK = re.compile(
    r"^\s*(?:(?:can|could|would|will) you\s+)?(?:please\s+)?(?:help me\s+(?:to\s+)?)?"
    r"(?:write|draft|compose|rewrite|proofread)\b(?!.*\b(?:working together|guidance|paragraph)\b)",
    re.I,
)
# How many or how big the changes asked for are: no subject of their own ("the main changes").
OVERVIEW_WORDS = NUMBER_WORDS | frozenset(tokens("biggest big major important significant notable"))
# A capitalised name of three or more words ("Keeping Children Safe in Education"): a document.
NAMED = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:in|of|to|for|and|the)?\s*[A-Z][a-z]+){2,}\b")
OTHER_EDITION = re.compile(
    r"\b(?:working together|wt)\s*(?:to safeguard children\s*)?((?:19|20)\d\d)\b"
    r"|\b((?:19|20)\d\d) (?:edition|version|guidance)\b|\bwt\s?(\d\d)\b",
    re.I,
)


def normalise(text: str) -> str:
    """As ingest reads the guidance (``ingest.normalise``: ligatures, full-width letters, invisible
    characters and bidi marks, no-break spaces), then control characters as spaces, curly quotes
    straight, runs of white space as one space. Never changes a word."""
    text = normalise_text(text).translate(QUOTES)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def word_lists() -> dict[str, Any]:
    """The word lists in ``data/words.yaml`` (anaphora, continuations, points_back, courtesy; and
    ``overview``, one wording), read once."""
    data: dict[str, Any] = yaml.safe_load((DATA / "words.yaml").read_text())
    return data


@lru_cache(maxsize=8)
def _word_set(name: str) -> frozenset[str]:
    """One list of ``data/words.yaml`` as a set, made once."""
    return frozenset(word_lists()[name])


@lru_cache(maxsize=1)
def _edition_status() -> tuple[re.Pattern[str], ...]:
    spec = word_lists()["edition_status"]
    return tuple(re.compile(spec[k], re.I) for k in ("names", "asks", "not"))


def _asks_edition_status(text: str) -> bool:
    """Whether a question asks which edition is current ("is 2023 still the one we follow?"), not
    what an edition says (``edition_status`` in ``data/words.yaml``)."""
    names, asks, other = _edition_status()
    return bool(names.search(text) and asks.search(text) and not other.search(text))


@lru_cache(maxsize=1)
def _elsewhere() -> list[tuple[re.Pattern[str], str]]:
    rows = yaml.safe_load((DATA / "elsewhere.yaml").read_text()) or []
    return [
        (re.compile(r"\b(?:" + "|".join(re.escape(n) for n in row["names"]) + r")\b", re.I), row["says"])
        for row in rows
    ]


@dataclass(frozen=True)
class Lexicon:
    """What understanding needs to know of the index: its words, acronyms, editions and parts."""

    vocabulary: frozenset[str]
    glossary: dict[str, str]
    editions: tuple[str, ...]  # statutory editions held
    chapters: dict[str, tuple[int, ...]]  # edition -> chapter numbers held
    corpus_text: str  # every chunk, title and publisher, lower case, white space folded
    titles: tuple[str, ...] = ()  # held documents' short titles, lower case, without their years
    unheld: tuple[str, ...] = ()  # editions the manifest knows of (a held one was replaced by them) but does not hold

    def names_guidance(self, text: str, q: Query) -> bool:
        """Whether a question names what is held: an edition, a document by its short title
        ("working together"), or one of the corpus's acronyms. Such a question is about the guidance."""
        low = text.lower()
        return bool(set(q.years) & set(self.editions) or q.acronyms or any(t and t in low for t in self.titles))

    def known(self, stem: str) -> bool:
        """Whether the corpus uses the word in some form ("define": "defined") or as an acronym."""
        return stem[:5] in self.prefixes or stem.upper() in self.glossary

    @cached_property
    def prefixes(self) -> frozenset[str]:
        return frozenset(t[:5] for w in self.vocabulary for t in tokens(w))


def _anchored(text: str, lexicon: Lexicon, paragraphs: tuple[str, ...]) -> bool:
    """Whether a question names its own subject: a paragraph; an edition, with no word pointing back
    ("is that different in 2018?" does not); three or more words the corpus knows, or one or two with
    no word pointing back ("whats an LCSPR" does; "who appoints them?" does not)."""
    if paragraphs:
        return True
    words = set(re.findall(r"[a-z']+", text.lower()))
    known = [t for t in key_terms(tokens(text)) if lexicon.known(t)]
    pointing = bool(words & _word_set("anaphora"))
    if YEAR.search(text) and not pointing:
        return True
    return len(known) >= 3 or (len(known) >= 1 and not pointing)


def needs_history(text: str, lexicon: Lexicon, paragraphs: tuple[str, ...]) -> bool:
    """A follow-up: it opens by continuing ("what about 2018?", "and for ICBs?") or does not name
    its own subject. Anything else stands on its own and is answered as if asked alone."""
    low = text.lower().strip()
    opens = any(re.match(rf"{re.escape(w)}\b", low) for w in word_lists()["continuations"])
    return opens or not _anchored(text, lexicon, paragraphs)


def focus(text: str, lexicon: Lexicon) -> str:
    """What is asked, without the story or preamble before it: the sentences that end in a question
    mark (or, with none, the last sentence), when they name a subject of their own; else all of it.
    "Our governors asked me to check this. Does the guidance apply to academies?" asks the second."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]
    if len(sentences) < 2:
        return text
    # A sentence naming an edition or a paragraph says what is asked about, wherever it stands.
    marks = (YEAR, PARA_REF, BOTH_EDITIONS)
    asked = [s for s in sentences if s.rstrip().endswith("?") or any(p.search(s) for p in marks)]
    asked = asked or sentences[-1:]
    tail = " ".join(asked)
    known = [t for t in key_terms(tokens(tail)) if lexicon.known(t)]
    # An edition or paragraph it names is a subject too ("I'm a newly qualified social worker. What
    # are the main changes between Working Together 2018 and 2023?" asks the second sentence).
    return tail if len(known) + any(p.search(tail) for p in marks) >= 2 else text


def _corrected(text: str, fixes: dict[str, list[str]]) -> str:
    """The question with each misspelling replaced by the corpus word it stands for: what a
    message says back ("the joint functions", not "the joint fucntions"). A common English word
    the corpus does not use is not a misspelling and is said back as typed ("bake bread", not
    "bake break"); retrieval still reads the corpus word beside it."""
    for wrong, forms in fixes.items():
        if not common_english(wrong):
            text = re.sub(rf"\b{re.escape(wrong)}\b", forms[0], text, flags=re.I)
    return text


def understand(
    question: str,
    history: Iterable[dict[str, str]] | None,
    lexicon: Lexicon,
    language: str = "en",
) -> Query:
    """The question parsed once (see ``Query``). ``language`` comes from ``rag.language.detect``.

    Earlier turns are read only when the question needs them; a question that stands on its own
    gives the same ``Query`` whatever came before."""
    text = abbreviations_spelled(normalise(question), lexicon.glossary)
    turns = [abbreviations_spelled(normalise(t.get("content", "")), lexicon.glossary)
             for t in history or () if t.get("role") == "user"]
    bare = without_courtesies(text)  # no greeting before it, no thanks after
    asked = focus(bare, lexicon)
    alone = parse(asked, None, lexicon.glossary, lexicon.vocabulary, lexicon.editions)
    follow_up = bool(turns) and needs_history(text, lexicon, alone.paragraphs)
    q = parse(asked, _subject(turns, lexicon), lexicon.glossary, lexicon.vocabulary, lexicon.editions) \
        if follow_up else alone
    # Words in any script: a question in Arabic or Amharic is not empty (it is in another language).
    words = [w for w in re.findall(r"[^\W_]+", text.lower()) if len(w) > 1 or w.isdigit()]
    about = " ".join(re.findall(r"[a-z]+", bare.lower())) in _word_set("about_assistant")
    request = ("empty" if not words else "courtesy" if all(w in _word_set("courtesy") for w in words)
               else "about" if about
               else "source" if turns and SOURCE_REQUEST.search(text) and (follow_up or len(words) <= 3)
               else "writing" if WRITING_TASK.match(text)
               else "edition" if _asks_edition_status(bare) and not alone.paragraphs else "question")
    unheld_edition = next(
        (y for m in OTHER_EDITION.finditer(text)
         if (y := m.group(1) or m.group(2) or f"20{m.group(3)}") not in lexicon.editions), None
    ) or next((y for y in q.years if y in lexicon.unheld), None)  # "and 2026?" after a question on the editions
    named = [m.group(0) for m in NAMED.finditer(text)]
    unknown = next(
        (n for n in named if n.lower() not in lexicon.corpus_text and "working together" not in n.lower()), None
    )
    elsewhere = tuple(says for pattern, says in _elsewhere() if pattern.search(text))
    if q.comparison and not [t for t in key_terms(tokens(q.resolved)) if t not in OVERVIEW_WORDS]:
        # "What changed between 2018 and 2023?" names no subject of its own: it asks for the changes
        # as a whole, which is what the commentary on the new edition sets out, not any one paragraph.
        # Its meaning is searched for as the commentary says it ("summary of changes since the 2018
        # guidance"): the question's own words ("whats changed from 2018 to 2023") found the blogs'
        # opening sentences, which name no change.
        since = min(q.years) if q.years else (lexicon.editions[0] if lexicon.editions else "")
        meaning = word_lists()["overview"].format(since=since)
        q = replace(q, comparison=False, commentary=True, overview=True, resolved=asked, semantic=meaning,
                    spelled=asked)
    edition = _edition(q, lexicon)
    held = lexicon.chapters.get(edition or (lexicon.editions[-1] if lexicon.editions else ""), ())
    unheld_chapter = q.chapter is not None and held and q.chapter not in held and not q.comparison
    return replace(
        q,
        text=text,
        asked=question,
        corrected=_corrected(text, typo_fixes(text, lexicon.vocabulary)),
        follow_up=follow_up,
        language=language,
        request=request,
        edition=edition,
        unheld_edition=unheld_edition,
        unknown_title=unknown,
        unheld_chapter=bool(unheld_chapter),
        elsewhere=elsewhere,
        names_guidance=lexicon.names_guidance(text, q),
        # Read from what is asked as typed, typos corrected: ``plain`` has words added to it.
        definiendum=tuple(definiendum(_corrected(asked, typo_fixes(asked, lexicon.vocabulary)))),
        context=bare if asked != bare and not follow_up else "",
    )


def _subject(turns: list[str], lexicon: Lexicon) -> str:
    """What the last user turn was about, as a follow-up reads it: that turn, and when it was a
    follow-up itself, what it followed, back to the last turn that stood on its own. After "who are
    the safeguarding partners?" and "and who appoints them?", "what about 2018?" is still about the
    safeguarding partners."""
    subject = ""
    for turn in turns:
        asked = focus(without_courtesies(turn), lexicon)
        alone = not subject or not needs_history(turn, lexicon, parse(asked).paragraphs)
        subject = asked if alone else f"{asked} {subject}"
    return subject


def _edition(q: Query, lexicon: Lexicon) -> str | None:
    """The one held edition a question (or the turn it follows) names, to filter retrieval by;
    none for a comparison or a question about commentary."""
    held = [y for y in q.years if y in lexicon.editions]
    return held[0] if len(held) == 1 and not q.comparison and not q.commentary else None
