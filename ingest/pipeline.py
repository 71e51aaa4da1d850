"""The ingest stage as one call: manifest -> paragraphs -> chunks -> index."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.checksums import verify_build
from ingest.chunks import Chunk, chunk_paragraphs
from ingest.clean import vocabulary
from ingest.durable import DEFAULT_TIMEOUT, clean_temps, corpus_lock, ensure_writable, index_lock
from ingest.embed import Embedder
from ingest.index import CACHE_FILES, current_dir, embedding_units, is_fresh, read_info, read_report, write_index
from ingest.journal import recover
from ingest.manifest import DocumentInfo, Manifest, load_manifest
from ingest.paragraphs import Paragraph
from ingest.parse import Parsed, parse_report, read_body
from ingest.report import IngestWarning
from wtguide.errors import CorpusError, IndexDamaged

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
    repaired: str = ""  # why the live index was rebuilt though the corpus had not changed (it was damaged)
    rolled_back: str = ""  # an interrupted add this run undid first ("add riverside-2026")


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
    read_only: bool = False,
    lock_timeout: float = DEFAULT_TIMEOUT,
) -> IngestResult:
    """Parse, chunk, embed and swap in a new index, unless the live one is already of this corpus
    and model and intact (every file's hash as built). Warnings are returned and kept in the
    index's ``report.json``; with ``strict`` any warning raises ``CorpusError`` before the index is
    touched. A damaged live index is rebuilt (``IngestResult.repaired`` says why). Runs under the
    corpus lock (``Busy`` after ``lock_timeout`` s), first undoing an ``add`` that was killed
    (``IngestResult.rolled_back``). ``ReadOnlyIndex`` when ``read_only`` or the index root
    cannot be written."""
    ensure_writable(index_root, read_only, "ingest")
    with corpus_lock(manifest_path, index_root, lock_timeout):
        rolled_back = recover(manifest_path) or ""
        result = _ingest(manifest_path, index_root, embedder_factory, model_name, max_chars, rebuild,
                         progress_factory, strict, lock_timeout)
        return replace(result, rolled_back=rolled_back)


def _ingest(
    manifest_path: Path,
    index_root: Path,
    embedder_factory: Callable[[], Embedder],
    model_name: str,
    max_chars: int,
    rebuild: bool,
    progress_factory: Callable[[int], Callable[[int], None]] | None,
    strict: bool,
    lock_timeout: float,
) -> IngestResult:
    start = time.perf_counter()
    manifest = load_manifest(manifest_path)
    corpus_hash = manifest.content_hash()
    repaired = ""
    use_cache = True
    live = current_dir(index_root)
    if not rebuild and live is not None:
        try:
            fresh = is_fresh(index_root, corpus_hash, model_name)
            if fresh:
                verify_build(live, full=True)
        except IndexDamaged as exc:
            repaired, fresh = str(exc).split("; run ")[0], False
            # Vectors are reused by their keys: never from a damaged vector or key file.
            cache_names = {name for pair in CACHE_FILES for name in pair}
            use_cache = exc.file not in cache_names
        if fresh:
            with index_lock(index_root, lock_timeout):
                clean_temps(index_root)  # what a killed add or ingest left, also when nothing is built
            info = read_info(live)
            kept = [w for doc in read_report(live).values() for w in doc.get("warnings", [])]
            if strict:
                strict_check([IngestWarning(**w) for w in kept])
            return IngestResult(
                "up-to-date", str(live), info.documents, info.paragraphs, info.chunks, 0, time.perf_counter() - start,
                kept,
            )
    parsed = read_corpus(manifest)
    if strict:
        strict_check(parsed.warnings)
    paragraphs = parsed.paragraphs
    chunks = parsed.chunks(manifest.documents, max_chars)
    progress = progress_factory(embedding_units(chunks)) if progress_factory else None
    built, embedded = write_index(
        index_root,
        list(manifest.documents),
        paragraphs,
        chunks,
        embedder_factory(),
        corpus_hash,
        progress,
        report=parsed.report(),
        use_cache=use_cache,
        lock_timeout=lock_timeout,
    )
    return IngestResult(
        "built",
        str(built),
        len(manifest.documents),
        len(paragraphs),
        len(chunks),
        embedded,
        time.perf_counter() - start,
        [w.to_dict() for w in parsed.warnings],
        repaired=repaired,
    )
