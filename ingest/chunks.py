"""Paragraphs -> chunks: one per paragraph, long ones split at sentence boundaries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from ingest.manifest import DocumentInfo
from ingest.paragraphs import Paragraph
from ingest.sentences import split_sentences

CHUNKER_VERSION = "paragraph-v13"


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    title: str
    edition: str | None
    status: str
    kind: str
    chapter: str | None
    headings: tuple[str, ...]
    paragraph: str
    numbered: bool
    part: int
    parts: int
    page: int | None
    order: int
    text: str
    footnotes: tuple[str, ...] = ()
    page_end: int | None = None  # the page the chunk's text ends on (== page on one page)

    @property
    def heading(self) -> str | None:
        return self.headings[-1] if self.headings else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Chunk:
        data = json.loads(line)
        data["headings"] = tuple(data["headings"])
        data["footnotes"] = tuple(data["footnotes"])
        return cls(**data)

    def metadata(self) -> dict[str, str | int | bool]:
        """Flat metadata for Chroma (no None values allowed there)."""
        return {
            "doc_id": self.doc_id,
            "edition": self.edition or "",
            "status": self.status,
            "kind": self.kind,
            "paragraph": self.paragraph,
            "page": self.page if self.page is not None else -1,
            "chapter": self.chapter or "",
            "heading": self.heading or "",
        }


def content_id(doc_id: str, paragraph: str, part: int, text: str) -> str:
    return hashlib.sha256(f"{doc_id}\x1f{paragraph}\x1f{part}\x1f{text}".encode()).hexdigest()[:32]


def split_long(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    buf = ""
    for sentence in split_sentences(text):
        if buf and len(buf) + 1 + len(sentence) > max_chars:
            pieces.append(buf)
            buf = sentence
        else:
            buf = (
                f"{buf}\n{sentence}"
                if buf and sentence.startswith(("•", "1", "2", "3", "4", "5", "6"))
                else (f"{buf} {sentence}" if buf else sentence)
            )
    if buf:
        pieces.append(buf)
    return pieces


def chunk_paragraphs(doc: DocumentInfo, paragraphs: list[Paragraph], max_chars: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for para in paragraphs:
        pieces = split_long(para.text, max_chars)
        spans = _spans(para.text, pieces)
        for part, piece in enumerate(pieces, start=1):
            start, end = spans[part - 1]
            chunks.append(
                Chunk(
                    id=content_id(doc.doc_id, para.paragraph, part, piece),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    edition=doc.edition or doc.about_edition,
                    status=doc.status,
                    kind=doc.kind,
                    chapter=para.chapter,
                    headings=para.headings,
                    paragraph=para.paragraph,
                    numbered=para.numbered,
                    part=part,
                    parts=len(pieces),
                    page=para.page_at(start),
                    order=para.order,
                    text=piece,
                    footnotes=tuple(f"{f.number}. {f.text}" for f in para.footnotes),
                    page_end=para.page_at(end),
                )
            )
    return chunks


def _spans(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """(first, last) character offset of each piece in the paragraph text, pieces taken in order
    (a piece may differ from the text in white space only)."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        head = piece.split(None, 1)[0] if piece.strip() else ""
        start = text.find(head, cursor) if head else -1
        start = cursor if start < 0 else start
        end = min(len(text), start + len(piece)) - 1
        spans.append((start, max(start, end)))
        cursor = end + 1
    return spans
