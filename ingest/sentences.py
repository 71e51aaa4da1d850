"""Sentence splitting and tokenising shared by chunking, BM25 and answers."""

from __future__ import annotations

import re
from functools import lru_cache

# Split after . ? ! (optionally closing quote/bracket) followed by space and a capital, or at
# a line break (bullets and list items are kept one per line by the cleaner).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[”\"')\]]*\s+(?=[A-Z“\"‘(•\d])|\n+")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|para|paras|p|pp|No|Mr|Mrs|Dr|St|vs)\.$", re.IGNORECASE)
_LIST_NUMBER = re.compile(r"(?:\d{1,3}|[a-z])[.)]")
TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be been being both but by can
    could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours s t d ll m re ve y
    say says said tell me please""".split()
)


def split_sentences(text: str) -> list[str]:
    parts: list[str] = []
    buf = ""
    for piece in _SENTENCE_BREAK.split(text):
        if piece is None:
            continue
        buf = f"{buf} {piece}".strip() if buf else piece.strip()
        # "1." alone is a list number, not a sentence: keep it with its item.
        if buf and not _ABBREV.search(buf) and not _LIST_NUMBER.fullmatch(buf):
            parts.append(buf)
            buf = ""
    if buf:
        parts.append(buf)
    return [p for p in parts if p]


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'partners' with 'partner', 'safeguarding' with 'safeguard'."""
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def tokens(text: str, keep_stopwords: bool = False) -> list[str]:
    return list(_tokens(text, keep_stopwords))


@lru_cache(maxsize=65536)
def _tokens(text: str, keep_stopwords: bool) -> tuple[str, ...]:
    # Cached: answering re-reads the same passages' sentences for every question.
    words = [w[:-2] if w.endswith("'s") else w for w in TOKEN.findall(text.lower().replace("’", "'"))]
    return tuple(stem(w) for w in words if keep_stopwords or w not in STOPWORDS)
