"""The ingest stage as one call: manifest -> paragraphs -> chunks -> index."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunks import Chunk, chunk_paragraphs
from ingest.clean import vocabulary
from ingest.embed import Embedder
from ingest.index import current_dir, embedding_units, is_fresh, read_info, read_report, write_index
from ingest.manifest import DocumentInfo, Manifest, load_manifest
from ingest.paragraphs import Paragraph
from ingest.parse import Parsed, parse_report, read_body
from ingest.report import IngestWarning
from wtguide.errors import CorpusError

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
    warnings: list[dict[str, Any]] = field(default_factory=list)  # every IngestWarning, as dicts


@dataclass(frozen=True)
class CorpusParse:
    by_doc: dict[str, list[Paragraph]]
    reports: dict[str, Parsed]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for ps in self.by_doc.values() for p in ps]

    def chunks(self, documents: Iterable[DocumentInfo], max_chars: int) -> list[Chunk]:
        """Every document's chunks, in manifest order."""
        return [c for doc in documents for c in chunk_paragraphs(doc, self.by_doc[doc.doc_id], max_chars)]

    @property
    def warnings(self) -> list[IngestWarning]:
        return [w for r in self.reports.values() for w in r.warnings]

    def report(self) -> dict[str, Any]:
        """What ``report.json`` in the index keeps: per document its warnings and its pages."""
        return {
            doc_id: {
                "paragraphs": len(r.paragraphs),
                "warnings": [w.to_dict() for w in r.warnings],
                "pages": [p.to_dict() for p in r.pages],
            }
            for doc_id, r in self.reports.items()
        }


def read_corpus(manifest: Manifest) -> CorpusParse:
    """Parse every document once; the glued-word vocabulary spans the whole corpus."""
    bodies = {doc.doc_id: read_body(doc, manifest.file_for(doc)) for doc in manifest.documents}
    vocab = vocabulary(ln.text for body in bodies.values() for ln in body.lines)
    reports = {
        doc.doc_id: parse_report(doc, manifest.file_for(doc), vocab, bodies[doc.doc_id]) for doc in manifest.documents
    }
    return CorpusParse({d: r.paragraphs for d, r in reports.items()}, reports)


def parse_corpus(manifest: Manifest) -> tuple[list[Paragraph], dict[str, list[Paragraph]]]:
    """All paragraphs, and the paragraphs of each document."""
    parsed = read_corpus(manifest)
    return parsed.paragraphs, parsed.by_doc


def build_chunks(manifest: Manifest, max_chars: int) -> tuple[list[Paragraph], list[Chunk]]:
    parsed = read_corpus(manifest)
    return parsed.paragraphs, parsed.chunks(manifest.documents, max_chars)


def strict_check(warnings: list[IngestWarning]) -> None:
    """With ``--strict`` every warning is an error: raises ``CorpusError`` naming the first."""
    if warnings:
        more = f" (and {len(warnings) - 1} more warning{'s' if len(warnings) > 2 else ''})" if len(warnings) > 1 else ""
        raise CorpusError(f"--strict: {warnings[0].message}{more}")


def ingest(
    manifest_path: Path,
    index_root: Path,
    embedder_factory: Callable[[], Embedder],
    model_name: str,
    max_chars: int,
    rebuild: bool = False,
    progress_factory: Callable[[int], Callable[[int], None]] | None = None,
    strict: bool = False,
) -> IngestResult:
    """Parse, chunk, embed and swap in a new index, unless the live one is already of this corpus
    and model. Warnings are returned and kept in the index's ``report.json``; with ``strict`` any
    warning raises ``CorpusError`` before the index is touched."""
    start = time.perf_counter()
    manifest = load_manifest(manifest_path)
    corpus_hash = manifest.content_hash()
    if not rebuild and is_fresh(index_root, corpus_hash, model_name):
        live = current_dir(index_root)
        assert live is not None
        info = read_info(live)
        kept = [w for doc in read_report(live).values() for w in doc.get("warnings", [])]
        if strict:
            strict_check([IngestWarning(**w) for w in kept])
        return IngestResult(
            "up-to-date", str(live), info.documents, info.paragraphs, info.chunks, 0, time.perf_counter() - start, kept
        )
    parsed = read_corpus(manifest)
    if strict:
        strict_check(parsed.warnings)
    paragraphs = parsed.paragraphs
    chunks = parsed.chunks(manifest.documents, max_chars)
    progress = progress_factory(embedding_units(chunks)) if progress_factory else None
    live, embedded = write_index(
        index_root,
        list(manifest.documents),
        paragraphs,
        chunks,
        embedder_factory(),
        corpus_hash,
        progress,
        report=parsed.report(),
    )
    return IngestResult(
        "built",
        str(live),
        len(manifest.documents),
        len(paragraphs),
        len(chunks),
        embedded,
        time.perf_counter() - start,
        [w.to_dict() for w in parsed.warnings],
    )
