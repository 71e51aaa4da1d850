"""The ingest stage as one call: manifest -> paragraphs -> chunks -> index."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.chunks import Chunk, chunk_paragraphs
from ingest.clean import vocabulary
from ingest.embed import Embedder
from ingest.index import current_dir, embedding_units, is_fresh, read_info, write_index
from ingest.manifest import Manifest, load_manifest
from ingest.paragraphs import Paragraph
from ingest.parse import parse_document, read_body

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    status: str  # "built" or "up-to-date"
    index_dir: str
    documents: int
    paragraphs: int
    chunks: int
    embedded: int
    seconds: float


def parse_corpus(manifest: Manifest) -> tuple[list[Paragraph], dict[str, list[Paragraph]]]:
    """Parse every document; the glued-word vocabulary spans the whole corpus."""
    bodies = {doc.doc_id: read_body(doc, manifest.file_for(doc)) for doc in manifest.documents}
    vocab = vocabulary(ln.text for lines, _ in bodies.values() for ln in lines)
    by_doc = {
        doc.doc_id: parse_document(doc, manifest.file_for(doc), vocab, bodies[doc.doc_id]) for doc in manifest.documents
    }
    return [p for ps in by_doc.values() for p in ps], by_doc


def build_chunks(manifest: Manifest, max_chars: int) -> tuple[list[Paragraph], list[Chunk]]:
    paragraphs, by_doc = parse_corpus(manifest)
    chunks = [c for doc in manifest.documents for c in chunk_paragraphs(doc, by_doc[doc.doc_id], max_chars)]
    return paragraphs, chunks


def ingest(
    manifest_path: Path,
    index_root: Path,
    embedder_factory: Callable[[], Embedder],
    model_name: str,
    max_chars: int,
    rebuild: bool = False,
    progress_factory: Callable[[int], Callable[[int], None]] | None = None,
) -> IngestResult:
    start = time.perf_counter()
    manifest = load_manifest(manifest_path)
    corpus_hash = manifest.content_hash()
    if not rebuild and is_fresh(index_root, corpus_hash, model_name):
        live = current_dir(index_root)
        assert live is not None
        info = read_info(live)
        return IngestResult(
            "up-to-date", str(live), info.documents, info.paragraphs, info.chunks, 0, time.perf_counter() - start
        )
    paragraphs, chunks = build_chunks(manifest, max_chars)
    progress = progress_factory(embedding_units(chunks)) if progress_factory else None
    live, embedded = write_index(
        index_root, list(manifest.documents), paragraphs, chunks, embedder_factory(), corpus_hash, progress
    )
    return IngestResult(
        "built",
        str(live),
        len(manifest.documents),
        len(paragraphs),
        len(chunks),
        embedded,
        time.perf_counter() - start,
    )
