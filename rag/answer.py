"""Extractive answers: the passages' own sentences that best answer the question, each cited."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from ingest.chunks import Chunk
from ingest.paragraphs import FOOTNOTE_MARK
from ingest.sentences import split_sentences, tokens

GENERIC = frozenset(
    tokens(
        "guidance working together safeguard safeguarding children child wt document paragraph para "
        "according need needs must should does say said mean means tell about new old edition 2023 2018 "
        "current version what who whom which how why when where many much "
        # Contractions and chat words say how a question is asked, not what about.
        "don't doesn't didn't isn't aren't wasn't can't cannot won't shouldn't hi hello lol pls please thanks "
        "dont doesnt didnt isnt arent wasnt cant wont shouldnt "
        "right ok okay anyone actually stand"  # "what does LSP stand for?"
    )
)
DURATION_Q = re.compile(
    r"\b(how long|how many (days|weeks|months|hours)|timescales?|deadline|within how|how quickly|how soon)\b", re.I
)
DURATION_A = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|ten|fifteen|twenty)\s+(working\s+)?(days?|weeks?|months?|hours?)\b",
    re.I,
)
FREQUENCY_Q = re.compile(r"\bhow (often|frequently|regularly)\b", re.I)
FREQUENCY_A = re.compile(
    r"\b(annually|yearly|every (year|month|week)|monthly|weekly|quarterly"
    r"|once a (year|month|week)|regularly|frequently|local decision)\b",
    re.I,
)


# "How does the Panel decide whether to...?", "Who determines which...?": how a choice is made.
DECISION_Q = re.compile(
    r"\b(decides?|decided|determines?|determined|chooses?|chosen)\s+(whether|if|which|what|when|who|how)\b", re.I
)
DECISION_A = re.compile(
    # Choosing someone is deciding too: "LSPs should appoint one of the DSPs as the partnership chair".
    r"\b(decid\w*|decision\w*|determin\w*|choos\w*|choice\w*|judge?ment\w*|criteri\w*|agree\w*|appoint\w*"
    r"|select\w*|nominat\w*|elect(?:s|ed|ion)?)\b",
    re.I,
)


class Idf:
    def __init__(self, chunks: list[Chunk]) -> None:
        df: Counter[str] = Counter()
        for c in chunks:
            df.update(set(tokens(c.text)))
        self.n = max(1, len(chunks))
        self.df = df

    def __call__(self, token: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(token, 0)))


def key_terms(question_tokens: list[str]) -> list[str]:
    return [t for t in dict.fromkeys(question_tokens) if t not in GENERIC and len(t) > 1]


def holds(words: set[str], stem: str) -> bool:
    """Whether a text's stems hold a word in some form: itself, or, from five letters on, one
    starting the other ("attend", "attendance"; but "response" is not "responsibility")."""
    return stem in words or any(
        min(len(w), len(stem)) >= 5 and (w.startswith(stem) or stem.startswith(w)) for w in words
    )


def holds_form(words: set[str], forms: list[frozenset[str]]) -> bool:
    """Whether a text's stems hold one of a word's forms (each a set of words, all needed)."""
    return any(all(holds(words, t) for t in form) for form in forms)


def coverage(terms: list[str], text: str, idf: Idf) -> float:
    """IDF-weighted share of the question's key terms found in one passage."""
    if not terms:
        return 1.0
    # Compare on 6-letter prefixes so "interpret" meets "interpretation".
    present = {t[:5] for t in tokens(text)}
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if t[:5] in present) / total if total else 1.0


def unseen_share(terms: list[str], corpus_prefixes: set[str], idf: Idf) -> float:
    """IDF-weighted share of key terms the corpus never uses at all ("radiator", "timescale")."""
    total = sum(idf(t) for t in terms)
    # Short words ("yr", "info", "doc") are too often casual spellings to count against a question.
    unseen = [t for t in terms if len(t) > 4 and t[:5] not in corpus_prefixes and not t.isdigit()]
    return sum(idf(t) for t in unseen) / total if total else 0.0


# "What is a joint agency response after...?": the thing asked about runs up to the first small word.
_UNTIL = (
    r"(?=\s+(?:of|for|in|on|at|after|before|under|by|to|with|from|that|which|who|and|or|when|where|do|does|did|is|"
    r"are|must|should|can|could|will|would|have|has|managed|used)\b|\s*[?,.;:!]|$)"
)
SUBJECT_Q = re.compile(r"^\s*what(?:'s|’s|\s+is|\s+are|\s+was|\s+were)\s+((?:a|an|the)\s+)?(.+?)" + _UNTIL, re.I)
OF_PHRASE = re.compile(r"\s+of\s+(?:(?:a|an|the)\s+)?(.+?)" + _UNTIL, re.I)
NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten first second third main key".split())
# "What's the point of...?", "What is the role of the DSP?": an aspect or a part someone plays,
# not a thing the answer must name; the thing is what follows "of", where anything does.
ASPECT_WORDS = frozenset(
    tokens(
        "point purpose aim idea deal difference meaning definition situation story answer position status thing "
        "role job duty duties responsibility responsibilities function functions task remit"
    )
)


def subject_of(question: str) -> tuple[str, list[str]]:
    """The thing a "What is/are X...?" question asks about, as written and as key words
    (empty for other questions)."""
    m = SUBJECT_Q.match(question)
    if not m:
        return "", []
    skip = GENERIC | NUMBER_WORDS | ASPECT_WORDS
    article, phrase = m.group(1) or "", m.group(2)
    words = [t for t in tokens(phrase) if t not in skip and not t.isdigit()]
    if not words:
        of = OF_PHRASE.match(question, m.end())
        phrase = of.group(1) if of else ""
        words = [t for t in tokens(phrase) if t not in skip and not t.isdigit()]
    # Said back as asked: "the criteria for ending a child protection plan".
    said = article + question[m.start(2) :].strip().rstrip("?!. ")
    return (said if len(said) <= 90 else phrase, words) if 0 < len(words) <= 4 else ("", [])


# "What duties do governors of young offender institutions have...?": the one the question is about
# runs from after "do/does" to the verb ("of" stays inside: "governors of ... institutions").
_VERB = (
    r"(?=\s+(?:have|has|had|hold|holds|play|plays|carry|carries|take|takes|give|gives|get|gets|make|makes|need|"
    r"needs|say|says|provide|provides|require|requires|owe|owes|bear|bears|be|apply|applies|replace|replaces|"
    r"cover|covers|mean|means|expect|expects|use|uses|set|sets|do|does)\b"
    r"|\s+(?:for|in|on|at|to|with|from|that|which|who|when|where|under)\b|\s*[?,.;:!]|$)"
)
ACTOR_Q = re.compile(
    r"^\s*(?:what|which)\s+(?:(?!(?:do|does|did|must|should|is|are)\b)[\w-]+\s+){1,3}?(?:do|does|did|must|should)\s+"
    r"((?:a|an|the)\s+)?(.+?)" + _VERB,
    re.I,
)


def actor_of(question: str, skip: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """The one a "What <duties> do <X> have?" question is about, as written and as key words
    (empty for other questions, or when X is only the guidance or a source: ``skip``)."""
    m = ACTOR_Q.match(question)
    if not m:
        return "", []
    # "What timescale does the schools blog give?": the source, not the subject.
    return _named(m.group(2), skip, GENERIC | NUMBER_WORDS)


# "Who can ask for a young carer's needs assessment?", "Who chairs a child death review meeting?",
# "Who should be invited to an initial child protection conference?": the thing the person is sought
# for runs from after the verb (and a particle or preposition) to the next small word.
_MODAL = r"(?:can|could|should|must|may|might|will|would|shall|does|do|did|has|have)\b"
_PARTICLE = r"(?:for|to|on|off|up|out|as|with|about|in|into|over|at)\b"
OBJECT_Q = re.compile(
    r"^\s*who\s+(?:"
    r"(?:is|are|was|were|r)\s+(?:(?:responsible|accountable|in\s+charge)\s+for\s+)?"  # "who is (responsible for)"
    r"|" + _MODAL + r"\s+be\s+(?:\w+ed\s+" + _PARTICLE + r"\s+)?"  # "who should be (invited to) the..."
    # After a modal the next word may be the one asked about ("who should schools contact?"), so it
    # counts as the verb only before a particle or an article: "who can ask for a...".
    r"|" + _MODAL + r"\s+(?!" + _MODAL + r"|be\b)[a-z]+\s+"
    r"(?=" + _PARTICLE + r"|(?:a|an|the)\b)(?:" + _PARTICLE + r"\s+)?"
    r"|(?!" + _MODAL + r"|(?:be|is|are|was|were|r)\b)[a-z]+\s+(?:" + _PARTICLE + r"\s+)?"  # "who chairs a..."
    r")((?:a|an|the)\s+)?(?!(?:and|n|or|whether|if|how|what|which|when|where|who)\b)(.+?)"
    r"(?=\s+(?:and|n|or|for|in|on|at|to|with|from|that|which|who|when|where|under|if|according|likely)\b|\s*[?,.;:!]|$)",
    re.I,
)


def object_of(question: str, skip: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """What a "Who <does> <X>?" question seeks someone for, as written and as key words (empty for
    other questions, for a pronoun ("and who chairs it?"), or when X is the guidance or a source)."""
    m = OBJECT_Q.match(question)
    if not m:
        return "", []
    # "Who holds responsibility for...?": a part someone plays is not a thing the answer must name.
    return _named(m.group(2), skip, GENERIC | NUMBER_WORDS | ASPECT_WORDS)


def _named(phrase: str, skip: frozenset[str], ignore: frozenset[str]) -> tuple[str, list[str]]:
    """A phrase an answer must name and its key words, unless it names a source (``skip``) or has
    no key word, or too many to be one thing."""
    if set(tokens(phrase)) & skip:
        return "", []
    words = [t for t in tokens(phrase) if t not in ignore and not t.isdigit()]
    return (phrase, words) if 0 < len(words) <= 5 else ("", [])


# "How is child protection defined?", "How did WT 2018 define a child?", "What does the term
# practitioner mean?", "What is meant by early help?", "What is the definition of X?"
DEFINE_Q = re.compile(
    r"^\s*(?:how\s+(?:is|are|was|were)\s+(?P<a>.+?)\s+defined"
    r"|how\s+(?:does|do|did)\s+.+?\s+define\s+(?P<b>.+?)"
    r"|what\s+(?:does|do|did)\s+(?:the\s+(?:term|word|phrase)\s+)?(?P<c>.+?)\s+mean"
    r"|what\s+is\s+meant\s+by\s+(?P<d>.+?)"
    r"|(?:what\s+is\s+)?the\s+definition\s+of\s+(?P<e>.+?)"
    r"|define\s+(?P<f>.+?))"
    r"(?:\s+(?:in|by|under|according)\b.*)?\s*[?.!]*\s*$",
    re.I,
)
# Words that say where a definition is, not what is defined.
_WHERE = frozenset(tokens("guidance document working together wt edition version 2018 2023 term word phrase"))
# A defining sentence: the thing, then one of these ("Early help is support...", "'Relevant
# agencies' are those organisations...", "In this guidance, a child is defined as anyone...").
# "ICBs are required to..." says what they must do, not what they are.
DEFINING = re.compile(
    r"\b(?:(?:is|are)(?!\s+(?:\w+ed|not|also|able|likely|still|now|expected|responsible)\b)|means|mean|refers?"
    r"|defined|describes?)\b",
    re.I,
)


def definiendum(question: str) -> list[str]:
    """The key words of the thing a definition question asks about (empty for other questions)."""
    m = DEFINE_Q.match(question)
    if m:
        phrase = next(g for g in m.groups() if g)
    else:
        phrase = " ".join(subject_of(question)[1])
    return [t for t in tokens(phrase) if t not in _WHERE and not t.isdigit()][:4]


def defines(sentence: str, thing: list[str]) -> bool:
    """Whether a sentence opens by naming the thing and saying what it is: every word of the
    thing before the first "is/are/means/defined", and at most one other content word there."""
    m = DEFINING.search(sentence)
    if not m or not thing:
        return False
    before = set(tokens(sentence[: m.start()]))
    if len(before) > len(thing) + 3:
        return False
    if not all(holds(before, t) for t in thing):
        return False
    extra = [w for w in before if w not in GENERIC and w not in _WHERE and not any(holds({w}, t) for t in thing)]
    return len(extra) <= 1


def answer_shape(question: str) -> tuple[re.Pattern[str], str] | None:
    """What an answer must contain for some questions, and what it is: a timescale needs a duration;
    how a choice is made needs a decision."""
    if DURATION_Q.search(question):
        return DURATION_A, "give that timescale"
    if FREQUENCY_Q.search(question):
        return FREQUENCY_A, "say how often"
    if DECISION_Q.search(question):
        return DECISION_A, "say how that is decided"
    return None


def clean_sentence(sentence: str) -> str:
    return " ".join(FOOTNOTE_MARK.sub("", sentence).split())


LIST_LINE = re.compile(r"^(?:•|\d{1,2}[.)]|[a-z][.)]|\([a-z]\))\s")


def pick_sentences(
    terms: list[str],
    passages: list[tuple[int, str]],
    idf: Idf,
    max_words: int = 120,
    max_sentences: int = 3,
    per_passage: int = 2,
    similarity: Callable[[int, str], float] | None = None,
) -> list[tuple[str, int]]:
    """(sentence, citation id) pairs, verbatim, best first then in passage order.

    A sentence scores by the question's key words it holds (IDF-weighted) and, where a
    similarity is given, by its embedding similarity to the question. A chosen lead-in
    ending in ":" brings the list items after it, so a list question gets the list.
    """
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    scored: list[tuple[float, int, int, list[str]]] = []
    for rank, (cid, text) in enumerate(passages):
        lines = [clean_sentence(x) for x in split_sentences(text)]
        for pos, s in enumerate(lines):
            if len(s.split()) < 4:
                continue
            present = set(tokens(s))
            lexical = sum(w for t, w in weights.items() if t in present) / total
            dense = similarity(cid, s) if similarity else 0.0
            score = (0.5 * lexical + 0.5 * dense if similarity else lexical) + 0.15 / (rank + 1)
            # A lead-in ("...as follows:", or a caption over a numbered list) brings its list.
            claim = [s, *_list_after(lines, pos)] if not LIST_LINE.match(s) else [s]
            scored.append((score, rank, pos, claim))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    chosen: list[tuple[float, int, int, list[str]]] = []
    words = 0
    used: Counter[int] = Counter()
    seen: set[str] = set()
    for score, rank, pos, claim in scored:
        key = " ".join(tokens(claim[0]))
        if key in seen or used[rank] >= per_passage:
            continue
        claim = [x for x in claim if " ".join(tokens(x)) not in seen]  # no line twice in one answer
        if chosen and score < chosen[0][0] * 0.6:
            break
        room = max_words - words
        fitted = _fit(claim, room) if chosen else _fit(claim, max(room, len(claim[0].split())))
        if not fitted:
            continue
        chosen.append((score, rank, pos, fitted))
        seen.update(" ".join(tokens(x)) for x in fitted)
        used[rank] += 1
        words += sum(len(x.split()) for x in fitted)
        if len(chosen) >= max_sentences or words >= max_words:
            break
    chosen.sort(key=lambda x: (x[1], x[2]))
    return [(x, passages[rank][0]) for _, rank, _, claim in chosen for x in claim]


def _list_after(lines: list[str], pos: int) -> list[str]:
    items: list[str] = []
    for line in lines[pos + 1 :]:
        if not LIST_LINE.match(line):
            break
        items.append(line)
    return items


def _fit(claim: list[str], room: int) -> list[str]:
    """As much of a claim (lead-in, then list items) as fits in ``room`` words; never a bare lead-in."""
    out: list[str] = []
    used = 0
    for part in claim:
        n = len(part.split())
        if used + n > room:
            break
        out.append(part)
        used += n
    if len(claim) > 1 and len(out) == 1:
        return []
    return out


def first_sentences(text: str, max_words: int = 120) -> list[str]:
    out: list[str] = []
    words = 0
    for sentence in split_sentences(text):
        s = clean_sentence(sentence)
        if out and words + len(s.split()) > max_words:
            break
        out.append(s)
        words += len(s.split())
    return out
