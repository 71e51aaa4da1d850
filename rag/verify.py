"""Check every cited sentence against the passage it cites, before anything is shown."""

from __future__ import annotations

import re

from ingest.paragraphs import FOOTNOTE_MARK
from ingest.sentences import tokens
from rag.types import Citation

MARK = re.compile(r"\s*\[(\d+)\]")


def normalise(text: str) -> str:
    return " ".join(FOOTNOTE_MARK.sub("", text).replace("•", " ").split()).lower()


def supported(sentence: str, citation: Citation, min_overlap: float = 0.8) -> bool:
    """Verbatim containment, or (for generated sentences) most content words found in the passage."""
    claim = normalise(MARK.sub("", sentence))
    if not claim:
        return False
    if claim in normalise(citation.text):
        return True
    words = set(tokens(claim))
    if not words:
        return False
    return len(words & set(tokens(citation.text))) / len(words) >= min_overlap


def verify(sentences: list[tuple[str, int]], citations: dict[int, Citation]) -> list[tuple[str, int]]:
    """Keep only (sentence, citation id) pairs whose citation exists and supports the sentence."""
    return [(s, n) for s, n in sentences if n in citations and supported(s, citations[n])]
