"""One document file -> its paragraphs (load, paginate, footnotes, clean, structure), and what
was noticed on the way (``ingest.report``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest import footnotes, paragraphs
from ingest.clean import vocabulary
from ingest.footnotes import Footnote, NotedLine
from ingest.loaders import load
from ingest.manifest import DocumentInfo
from ingest.pages import paginate
from ingest.paragraphs import Paragraph
from ingest.report import IngestWarning, PageReport
from wtguide.errors import EmptyDocument


@dataclass(frozen=True)
class Body:
    """A document's lines with their pages (footnote bodies taken out, markers marked)."""

    lines: list[NotedLine]
    notes: dict[int, Footnote]
    warnings: tuple[IngestWarning, ...] = ()
    pages: tuple[PageReport, ...] = ()  # one per PDF page; empty for text and HTML


@dataclass(frozen=True)
class Parsed:
    paragraphs: list[Paragraph]
    warnings: tuple[IngestWarning, ...]
    pages: tuple[PageReport, ...]


def read_body(doc: DocumentInfo, path: Path) -> Body:
    """Read and paginate one document. Raises ``UnsupportedDocument``/``EmptyDocument`` (one line)."""
    warnings: list[IngestWarning] = []
    raw = load(path, doc.format, warnings, doc.doc_id)
    pages = tuple(
        PageReport(p.physical, p.number, len(p.text.strip()), sum(1 for ln in p.text.splitlines() if ln.strip()))
        for p in raw
        if p.physical is not None
    )
    lines, notes = footnotes.extract(paginate(raw))
    return Body(lines, notes, tuple(warnings), pages)


def parse_report(
    doc: DocumentInfo, path: Path, vocab: Counter[str] | None = None, body: Body | None = None
) -> Parsed:
    """Paragraphs of one document with its warnings and page report; pass ``body`` from
    ``read_body`` to avoid reading the file twice. Raises ``EmptyDocument`` when no text is found."""
    body = body if body is not None else read_body(doc, path)
    if vocab is None:
        vocab = vocabulary(ln.text for ln in body.lines)
    warnings = list(body.warnings)
    paras = paragraphs.build(
        doc.doc_id,
        body.lines,
        body.notes,
        vocab,
        numbered=doc.paragraphs == "numbered",
        drop_lines=doc.drop_lines,
        warnings=warnings,
    )
    if not paras:
        raise EmptyDocument(f"{path.name}: no text found in the document")
    if doc.paragraphs == "numbered" and not any(p.numbered for p in paras):
        warnings.append(
            IngestWarning(
                doc.doc_id,
                "no-numbered-paragraphs",
                f"{doc.doc_id}: no numbered paragraphs found (expected '1.', '2.', ...); its text is kept "
                "as unnumbered sections, cited by heading",
            )
        )
    return Parsed(paras, tuple(warnings), body.pages)


def parse_document(
    doc: DocumentInfo, path: Path, vocab: Counter[str] | None = None, body: Body | None = None
) -> list[Paragraph]:
    """Paragraphs of one document (``parse_report`` without the report)."""
    return parse_report(doc, path, vocab, body).paragraphs
