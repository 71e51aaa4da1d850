"""One document file -> its paragraphs (load, paginate, footnotes, clean, structure)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ingest import footnotes, paragraphs
from ingest.clean import vocabulary
from ingest.loaders import load
from ingest.manifest import DocumentInfo
from ingest.pages import paginate
from ingest.paragraphs import Paragraph
from wtguide.errors import EmptyDocument


def parse_document(doc: DocumentInfo, path: Path, vocab: Counter[str] | None = None) -> list[Paragraph]:
    lines = paginate(load(path, doc.format))
    body, notes = footnotes.extract(lines)
    if vocab is None:
        vocab = vocabulary(ln.text for ln in body)
    paras = paragraphs.build(
        doc.doc_id, body, notes, vocab, numbered=doc.paragraphs == "numbered", drop_lines=doc.drop_lines
    )
    if not paras:
        raise EmptyDocument(f"{path.name}: no text found in the document")
    return paras
