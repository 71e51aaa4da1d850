"""Category lexicons read from the corpus: the roles, bodies, acts, numbers and duties it names.

Distractors for an item come from the same category as its answer, so a wrong option is
always a real role, body or act from the guidance, never an invented one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.sentences import tokens

# A capitalised phrase: "Chief Officer of Police", "Director of Children’s Services", "NHS Trusts".
_CAP = r"(?:[A-Z][a-z]+(?:[’']s)?|[A-Z]{2,}s?)"
PHRASE = re.compile(rf"\b{_CAP}(?:\s+(?:(?:of|for|and|the)\s+){{0,2}}{_CAP})*")
ACT = re.compile(r"\b(?:[A-Z][a-z’']+\s+(?:(?:and|of|for)\s+)?)+Act\s+(?:19|20)\d\d\b")
NUMBER = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten)\b(?=\s+[a-z])")
TIMESCALE = re.compile(
    r"\b\d{1,3}(?:\s+working)?\s+(?:days|weeks|months|years|hours)\b|\b(?:yearly|annual|quarterly|monthly)\b"
)
DUTY = re.compile(r"\b(must|should|may)\b")
# Swapping a duty word changes what the guidance requires: 'must' (law) is not 'should' (guidance).
DUTY_SWAP = {"must": "may", "should": "must", "may": "must"}

ROLE_HEADS = {
    "chief", "executive", "constable", "officer", "director", "member", "secretary", "commissioner",
    "mayor", "head", "lead", "inspector", "superintendent", "chair", "minister", "partner",
}  # fmt: skip
BODY_HEADS = {
    "panel", "board", "partnership", "unit", "trust", "council", "agency", "commission", "department",
    "systems", "court", "network", "networks",
}  # fmt: skip
LEADING = {
    "the",
    "a",
    "an",
    "each",
    "every",
    "any",
    "all",
    "for",
    "in",
    "as",
    "these",
    "this",
    "where",
    "when",
    "if",
    "its",
    "their",
    "no",
    "other",
    "many",
    "some",
    "both",
    "under",
    "members",
    "of",
    "and",
}
NOT_NAMES = ("Working Together", "Chapter", "Appendix", "Figure", "Annex")
# Categories a gap (cloze, multiple choice) may be made from; 'duty' only makes true/false items.
GAP_CATEGORIES = ("role", "body", "act", "number", "timescale")


@dataclass(frozen=True)
class Term:
    text: str
    category: str
    start: int
    end: int

    @property
    def plural(self) -> bool:
        return plural(self.text, self.category)


def _word(w: str) -> str:
    w = w.lower()
    return w[:-1] if w.endswith("s") and not w.endswith("ss") else w


def plural(text: str, category: str) -> bool:
    if category == "acronym":
        return bool(re.fullmatch(r"[A-Z-]{2,}s", text))
    if category not in ("role", "body"):
        return False
    heads = ROLE_HEADS if category == "role" else BODY_HEADS
    return any(w.lower() != _word(w) and _word(w) in heads for w in text.split()) or bool(
        re.search(r"\b[A-Z]{2,}s$", text)
    )


def _category(phrase: str) -> str | None:
    words = [_word(w) for w in phrase.split()]
    if any(w in ROLE_HEADS for w in words):
        return "role"
    if words[-1] in BODY_HEADS or (len(words) > 1 and words[-2] in BODY_HEADS and words[-1] == "board"):
        return "body"
    return None


def _trim(phrase: str, start: int) -> tuple[str, int]:
    words = phrase.split(" ")
    # "DMO Designated Medical Officer" (a glossary line) names the officer, not the acronym.
    while words and (words[0].lower() in LEADING or (words[0].isupper() and len(words) > 2)):
        start += len(words[0]) + 1
        words = words[1:]
    # "Directors of Children’s services": the capitalised run stops inside the name.
    while words and words[-1].endswith(("’s", "'s")):
        words = words[:-1]
        while words and words[-1] in ("of", "for", "and", "the"):
            words = words[:-1]
    return " ".join(words), start


def _names(sentence: str) -> list[Term]:
    out: list[Term] = []
    for m in PHRASE.finditer(sentence):
        phrase, start = _trim(m.group(0), m.start())
        if len(phrase.split()) < 2 or any(phrase.startswith(n) for n in NOT_NAMES) or "Act" in phrase.split():
            continue
        # "Director of Children’s Services and Lead Member for Children’s Services" is two roles.
        parts = re.split(r" and (?=[A-Z])", phrase)
        if len(parts) > 1 and all(_category(p) for p in parts):
            offset = start
            for p in parts:
                if len(p.split()) >= 2:
                    out.append(Term(p, _category(p) or "role", offset, offset + len(p)))
                offset += len(p) + len(" and ")
            continue
        cat = _category(phrase)
        if cat:
            out.append(Term(phrase, cat, start, start + len(phrase)))
    return out


def find_terms(sentence: str) -> list[Term]:
    """Every term in a sentence that an item could gap or swap, in order of position."""
    found = _names(sentence)
    for m in ACT.finditer(sentence):
        text, start = _trim(m.group(0), m.start())
        found.append(Term(text, "act", start, start + len(text)))
    found += [Term(m.group(0), "timescale", m.start(), m.end()) for m in TIMESCALE.finditer(sentence)]
    found += [Term(m.group(1), "number", m.start(1), m.end(1)) for m in NUMBER.finditer(sentence)]
    found += [Term(m.group(1), "duty", m.start(1), m.end(1)) for m in DUTY.finditer(sentence)]
    return sorted(found, key=lambda t: t.start)


class Lexicon:
    """Every term of each category the corpus names, for distractors and swaps."""

    def __init__(self, sentences: Iterable[str]) -> None:
        self.terms: dict[str, set[str]] = {}
        for s in sentences:
            for t in find_terms(s):
                if t.category != "duty":
                    self.terms.setdefault(t.category, set()).add(t.text)

    def add(self, category: str, terms: Iterable[str]) -> None:
        self.terms.setdefault(category, set()).update(terms)

    def alternatives(self, term: Term) -> list[str]:
        """Other terms of the same category and grammatical number, none overlapping the answer."""
        if term.category == "duty":
            return [DUTY_SWAP[term.text]]
        mine = term.text.lower()
        out = []
        for other in sorted(self.terms.get(term.category, ())):
            low = other.lower()
            if low == mine or low in mine or mine in low or plural(other, term.category) != term.plural:
                continue
            out.append(other)
        return out


def similarity(a: str, b: str) -> float:
    """Shared words and similar length: 'Chief Constable' is close to 'Chief Executive'."""
    ta, tb = set(tokens(a, keep_stopwords=False)), set(tokens(b, keep_stopwords=False))
    overlap = len(ta & tb) / max(1, len(ta | tb))
    length = 1 - abs(len(a) - len(b)) / max(len(a), len(b))
    return 0.6 * overlap + 0.4 * length
