"""Fuzzy quotation matching: does a quotation appear in a paragraph, and where does it appear if not."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

MATCH = 90.0  # partial_ratio on normalised text: a quotation this close is the paragraph's words
ELLIPSIS = re.compile(r"\s*(?:\.\s?\.\s?\.|…|\[\s*\.\.\.\s*\]|\[…\])\s*")
FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Lower case, words only, one space between; and for each output character its offset in ``text``."""
    out: list[str] = []
    where: list[int] = []
    space = True
    for i, ch in enumerate(re.sub(r"\[\^\d+\]", lambda m: " " * len(m.group(0)), text.translate(FOLD))):
        if ch.isalnum():
            out.append(ch.lower())
            where.append(i)
            space = False
        elif not space:
            out.append(" ")
            where.append(i)
            space = True
    return "".join(out).rstrip(), where


def normalise(text: str) -> str:
    return normalise_with_map(text)[0]


def pieces(quote: str) -> list[str]:
    """A quotation with an ellipsis is several pieces, each of which must appear."""
    parts = [normalise(p) for p in ELLIPSIS.split(quote)]
    return [p for p in parts if len(p.split()) >= 3] or [normalise(quote)]


def score(quote_pieces: list[str], paragraph_norm: str) -> float:
    if not paragraph_norm:
        return 0.0
    return min(fuzz.partial_ratio(p, paragraph_norm) for p in quote_pieces)


def closest_passage(quote: str, paragraph_text: str, slack: int = 40) -> str:
    """The stretch of the paragraph the quotation is closest to, in the paragraph's own words."""
    norm, where = normalise_with_map(paragraph_text)
    q = normalise(quote)
    if not norm or not q:
        return paragraph_text
    if len(q) >= len(norm):
        return paragraph_text
    al = fuzz.partial_ratio_alignment(q, norm)
    if al is None:
        return paragraph_text
    start = where[al.dest_start] if al.dest_start < len(where) else 0
    end = where[min(al.dest_end, len(where)) - 1] + 1
    # Widen to whole words, and a little either side so the reader sees the context.
    start = max(0, paragraph_text.rfind(" ", 0, max(0, start - slack)) + 1) if start > slack else 0
    nxt = paragraph_text.find(" ", min(len(paragraph_text), end + slack))
    end = len(paragraph_text) if nxt == -1 else nxt
    return ("…" if start else "") + paragraph_text[start:end].strip() + ("…" if end < len(paragraph_text) else "")
