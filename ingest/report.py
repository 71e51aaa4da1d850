"""What ingest noticed: warnings that name the document and the place, and a report per page.

A warning never stops an ingest unless ``--strict`` is given; it is kept in the index's
``report.json`` and shown by ``wtguide ingest --json`` and ``wtguide documents``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class IngestWarning:
    """One thing a person should check. ``kind`` is stable (tests and tools match on it):

    - ``decoding``: bytes that were not valid in the file's encoding, repaired on the named lines;
    - ``encoding``: the file is not UTF-8; it was read in the detected encoding;
    - ``no-text-layer``: a PDF page with no text (a scanned image); its text is not indexed;
    - ``numbering-gap``: paragraph numbers jump forward (a paragraph missing or unreadable);
    - ``numbering-restart``: paragraph numbers start again at 1 (ids get a section prefix);
    """

    doc: str  # the document's id (or file name before it has one)
    kind: str
    message: str  # one line, naming the document and where
    page: int | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PageReport:
    """One PDF page as read: its physical and printed number, and how much text it gave."""

    physical: int
    printed: int | None
    characters: int
    lines: int

    @property
    def has_text(self) -> bool:
        return self.characters > 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "has_text": self.has_text}
