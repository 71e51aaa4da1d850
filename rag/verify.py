"""Stage 4, verify: every claim checked against the passage it cites, before anything is shown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest.paragraphs import FOOTNOTE_MARK
from ingest.sentences import tokens
from rag.types import Citation

if TYPE_CHECKING:
    from rag.compose import Claim

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


def verify(claims: list[Claim], citations: dict[int, Citation]) -> list[Claim]:
    """The claims whose citation exists and supports every piece of them (a lead-in and each of
    its list items alike); the rest are dropped."""
    return [c for c in claims if c.cid in citations and all(supported(p, citations[c.cid]) for p in c.parts)]
