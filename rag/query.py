"""Understanding the question: explicit references, editions, acronyms, typos, follow-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.glossary import ACRONYM, spell_out
from ingest.sentences import STOPWORDS, stem, tokens

PARA_REF = re.compile(r"\b(?:paragraphs?|paras?\.?|¶)\s*(\d{1,3})(?:\s*(?:-|–|to|and)\s*(\d{1,3}))?", re.IGNORECASE)
PAGE_REF = re.compile(r"\b(?:page|p\.)\s*(\d{1,3})\b", re.IGNORECASE)
CHAPTER_REF = re.compile(r"\bchapter\s+(\d{1,2})\b", re.IGNORECASE)
# An edition's year, also as practitioners shorten it: "WT23" is Working Together 2023.
YEAR = re.compile(r"\b(?:wt\s?|working together\s*)?((?:19|20)\d\d)\b|\bwt\s?(\d\d)\b", re.IGNORECASE)
OLD_WORDS = re.compile(r"\b(old|older|previous|earlier|former|last)\s+(guidance|version|edition|one)\b", re.IGNORECASE)
CHANGE_WORDS = re.compile(
    r"\b(what(?:'s| has)? changed|chang(?:e|es|ed|ing)|differen\w*|differ|compare\w*|comparison|same as|still|"
    r"new in|since (?:the )?20\d\d|versus|vs\.?|than in|same)\b",
    re.IGNORECASE,
)
BOTH_EDITIONS = re.compile(r"\b(?:both|each|the two)\s+(?:editions|versions)\b", re.IGNORECASE)
COMMENTARY_WORDS = re.compile(
    r"\b(blog|article|news|commentary|explainer|consultant|local government lawyer|lgl)\b",
    re.IGNORECASE,
)
# Everyday words and sector shorthand for the guidance's terms, so "council" finds "local authority"
# and "our MAT" finds "multi-academy trust". The corpus's own acronyms come from its glossary.
SYNONYMS = {
    "council": "local authority",
    "councils": "local authorities",
    "la": "local authority",
    "las": "local authorities",
    "nhs": "integrated care board health",
    "cops": "police",
    "school": "education",
    "schools": "education providers",
    "nursery": "childcare settings early years",
    "nurseries": "childcare settings early years",
    "mat": "multi-academy trust",
    "kid": "child",
    "kids": "children",
    "social services": "children's social care",
    "boss": "head chief executive",
    "in charge": "lead",
    "diff": "difference",
    "info": "information",
    "gdpr": "data protection",
    "yearly": "annual",
    "in force": "replaces",
    "still apply": "replaces",
    "dsl": "designated safeguarding lead",
    "talk": "speak",
    "talking": "speaking",
    # "|" between other wordings, any one of which will do: "the law" is legislation, or statutory.
    "law": "legislation|statutory",
    "laws": "legislation|statutory",
    # Figures as people type them ("the 3 partners") for the words the guidance uses.
    **{str(n): w for n, w in enumerate("one two three four five six".split(), start=1)},
}


@dataclass(frozen=True)
class Query:
    text: str  # the question as asked
    resolved: str  # with follow-up context, acronyms, synonyms and typo fixes: for BM25 and key terms
    semantic: str = ""  # with follow-up context and acronyms spelled out: for the embedding model
    spelled: str = ""  # the same with acronyms replaced by their long forms, where it has any
    plain: str = ""  # with follow-up context and typo fixes, but no acronym or synonym additions
    typos: tuple[str, ...] = ()  # words the corpus never uses that were read as a corpus word
    paragraphs: tuple[str, ...] = ()
    page: int | None = None
    chapter: int | None = None
    years: tuple[str, ...] = ()
    old_edition: bool = False
    comparison: bool = False
    commentary: bool = False
    acronyms: dict[str, str] = field(default_factory=dict)
    # Set by rag.understand: the question as typed, as said back (typos corrected), and what it is.
    asked: str = ""
    corrected: str = ""
    follow_up: bool = False  # it needs the earlier turns, and took their subject
    language: str = "en"
    # "question", "writing" (a letter, a poem), "courtesy" ("ok thx"), "empty", "about" (about the
    # assistant itself: "who are you?"), or "source" (a follow-up asking where the answer before it
    # comes from: "which para says that?"), or "edition" (which edition is current: "is 2023 still
    # the one we follow?", answered from the manifest)
    request: str = "question"
    edition: str | None = None  # the one held edition it names or carries: retrieval keeps to it
    unheld_edition: str | None = None  # an edition it names that is not held ("WT 2026")
    unknown_title: str | None = None  # a document it names that the corpus never mentions
    unheld_chapter: bool = False  # a chapter it names that the held text does not include
    elsewhere: tuple[str, ...] = ()  # where to look for documents it names that are not held
    names_guidance: bool = False  # it names a held edition, document or acronym of the corpus
    overview: bool = False  # it asks what changed as a whole ("what changed between 2018 and 2023?")
    # The key words of the thing a definition question asks about ("what does LSP stand for?": lsp;
    # rag.answer.definiendum), read once here; empty for other questions.
    definiendum: tuple[str, ...] = ()
    # The story or preamble the question came with, when what is asked was read without it (rag.
    # understand.focus): retrieval reads it too, at a lower weight ("...under GDPR we can't pass
    # anything on without mum agreeing... Do I need mum's permission?" is about sharing information).
    context: str = ""

    @property
    def content_tokens(self) -> list[str]:
        return tokens(self.resolved)


def year_of(m: re.Match[str]) -> str:
    """The four-digit year a ``YEAR`` match names."""
    return m.group(1) or f"20{m.group(2)}"


def _expand_range(a: str, b: str | None) -> list[str]:
    if not b:
        return [a]
    lo, hi = int(a), int(b)
    return [str(n) for n in range(lo, hi + 1)] if 0 < hi - lo <= 10 else [a, b]


@lru_cache(maxsize=4)
def _in_order(vocabulary: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(vocabulary))


@lru_cache(maxsize=4)
def _stems(vocabulary: frozenset[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in vocabulary)


ENDINGS = frozenset("s es ed d e ing ce ces cy ied ies y er ers ion ions al ly".split())


def typo_fixes(text: str, vocabulary: frozenset[str]) -> dict[str, list[str]]:
    """Each word the corpus never uses, with the corpus words one typo away ("safegaurding")."""
    fixes: dict[str, list[str]] = {}
    for word in re.findall(r"[A-Za-z]+", text):
        low = word.lower()
        if len(low) < 5 or low in vocabulary or low in STOPWORDS or low in fixes:
            continue
        forms = _corrections(low, vocabulary)
        if forms:
            fixes[low] = list(forms)
    return fixes


@lru_cache(maxsize=8192)
def _corrections(low: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """The corpus words one word not in the corpus stands for (cached: each question's wordings
    are read several times, and the same casual words come back)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    if stem(low) in _stems(vocabulary):
        return ()  # another form of a corpus word ("seeing" beside "see"), not a typo
    # Sorted, so a tie between two corrections resolves the same way in every process
    # (set order changes with Python's hash seed).
    best = process.extractOne(low, _in_order(vocabulary), scorer=OSA.distance, score_cutoff=1)
    if best:
        return (best[0],)
    if len(low) >= 7:
        # Another form of a corpus word: "paramountcy" finds "paramount".
        return tuple(w for w in _in_order(vocabulary) if len(w) >= 6 and (low.startswith(w) or w.startswith(low[:7])))
    # A short word's other form differs only in its ending: "silent" finds "silences", "ratify"
    # "ratified" (but "author" is not "authority", nor "depart" "department").
    return tuple(w for w in _in_order(vocabulary) if w.startswith(low[:-1]) and w[len(low) - 1 :] in ENDINGS)


def correct_typos(text: str, vocabulary: frozenset[str]) -> str:
    """Add, beside each word the corpus never uses, the corpus word one typo away."""
    fixed = [w for forms in typo_fixes(text, vocabulary).values() for w in forms]
    return text + "".join(f" {w}" for w in dict.fromkeys(fixed))


def parse(
    question: str,
    earlier: str | None = None,
    glossary: dict[str, str] | None = None,
    vocabulary: frozenset[str] | None = None,
    editions: tuple[str, ...] = (),
) -> Query:
    """References, editions, acronyms, synonyms and typo fixes of one question; a follow-up
    (``earlier``: the user turn it follows) takes that turn's subject, its own words weighing double
    ("what about direct practice?" is about direct practice)."""
    resolved = f"{question} {earlier} {question}" if earlier else question
    refs: list[str] = []
    for m in PARA_REF.finditer(question):
        refs.extend(_expand_range(m.group(1), m.group(2)))
    page = PAGE_REF.search(question)
    chapter = CHAPTER_REF.search(question)
    mentioned = tuple(dict.fromkeys(year_of(m) for m in YEAR.finditer(resolved)))
    # A follow-up naming its own year asks about that year ("what about in 2018?" after a question
    # about WT 2023 asks about 2018, not to compare the two); else the earlier turn's year holds.
    years = tuple(dict.fromkeys(year_of(m) for m in YEAR.finditer(question))) or mentioned
    # A follow-up like "is that the same in the old guidance?" compares with the earlier answer.
    held_years = [y for y in years if y in (editions or ())]
    commentary = bool(COMMENTARY_WORDS.search(resolved))
    # "And did it change the law?", after a question about the blog, asks what the blog says.
    comparison = not commentary and (
        len(held_years) >= 2
        or bool(BOTH_EDITIONS.search(question))
        or (bool(CHANGE_WORDS.search(question)) and (bool(years) or bool(OLD_WORDS.search(resolved))))
    )
    acronyms = {}
    if glossary:
        for m in ACRONYM.finditer(resolved):
            if m.group(1) in glossary:
                acronyms[m.group(1)] = glossary[m.group(1)]
    spelled_out = dict(acronyms)
    # And the other way: "lead safeguarding partner" also searches for "LSP".
    low = resolved.lower()
    for short, long in (glossary or {}).items():
        if long in low and short not in acronyms:
            acronyms[short] = long
    # A held edition's year steers the ranking (see Retriever.prior); as a search word it would
    # match every "(2018)" in the other edition's text.
    for year in mentioned:
        if year in (editions or ()):
            resolved = re.sub(rf"\b(?:wt\s?)?{year}\b|\bwt\s?{year[2:]}\b", " ", resolved, flags=re.IGNORECASE)
    if comparison:
        # "What changed", "the same", "between" say how to answer, not what about.
        resolved = CHANGE_WORDS.sub(" ", OLD_WORDS.sub(" ", resolved))
    expanded = resolved + "".join(f" {k} {v}" for k, v in acronyms.items())
    expanded += "".join(f" {v.replace('|', ' ')}" for k, v in SYNONYMS.items() if re.search(rf"\b{k}\b", low))
    # The embedding model reads the question as asked, with acronyms spelled out; the extra
    # words for BM25 (contractions, synonyms) would only blur its meaning.
    semantic = resolved + "".join(f" ({v})" for v in spelled_out.values())
    # And with the acronyms replaced by their long forms, to meet the sentences indexed that way.
    spelled = spell_out(resolved, glossary or {})
    spelled = spelled if spelled != resolved else ""
    plain = resolved
    typos: tuple[str, ...] = ()
    if vocabulary:
        typos = tuple(typo_fixes(resolved, vocabulary))
        plain = correct_typos(plain, vocabulary)
        expanded = correct_typos(expanded, vocabulary)
        semantic = correct_typos(semantic, vocabulary)
        spelled = correct_typos(spelled, vocabulary) if spelled else ""
    return Query(
        text=question,
        resolved=expanded,
        semantic=semantic,
        spelled=spelled,
        plain=plain,
        typos=typos,
        paragraphs=tuple(dict.fromkeys(refs)),
        page=int(page.group(1)) if page else None,
        chapter=int(chapter.group(1)) if chapter else None,
        years=years,
        old_edition=bool(OLD_WORDS.search(resolved)),
        comparison=comparison,
        commentary=commentary,
        acronyms=acronyms,
    )
