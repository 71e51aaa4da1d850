"""One document file -> its paragraphs (load, paginate, footnotes, clean, structure)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ingest import footnotes, paragraphs
from ingest.clean import vocabulary
from ingest.footnotes import Footnote, NotedLine
from ingest.loaders import load
from ingest.manifest import DocumentInfo
from ingest.pages import paginate
from ingest.paragraphs import Paragraph
from wtguide.errors import EmptyDocument

Body = tuple[list[NotedLine], dict[int, Footnote]]


def read_body(doc: DocumentInfo, path: Path) -> Body:
    """The document's lines with their pages, footnote bodies taken out and markers marked."""
    return footnotes.extract(paginate(load(path, doc.format)))


def parse_document(
    doc: DocumentInfo, path: Path, vocab: Counter[str] | None = None, body: Body | None = None
) -> list[Paragraph]:
    """Paragraphs of one document; pass ``body`` from ``read_body`` to avoid reading the file twice."""
    lines, notes = body if body is not None else read_body(doc, path)
    if vocab is None:
        vocab = vocabulary(ln.text for ln in lines)
    paras = paragraphs.build(
        doc.doc_id, lines, notes, vocab, numbered=doc.paragraphs == "numbered", drop_lines=doc.drop_lines
    )
    if not paras:
        raise EmptyDocument(f"{path.name}: no text found in the document")
    return paras
