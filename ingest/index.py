"""Write the index: paragraph store, chunks, vectors, Chroma and BM25, swapped in atomically.

Layout in ``<data_dir>/index/``::

    CURRENT                 name of the live build (replaced atomically)
    <build>/index.json      corpus hash, model, chunker version, counts
    <build>/documents.json  manifest entries
    <build>/paragraphs.jsonl, chunks.jsonl, vectors.npy, bm25/, chroma/
    <build>/files.json      size and SHA-256 of every other file, written last (ingest.checksums)
    .lock                   held while a build or an import writes here (ingest.durable)
    .tmp-*                  a build in progress; removed by the next build if its run died
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest import durable
from ingest.checksums import write_files_manifest
from ingest.chunks import CHUNKER_VERSION, Chunk
from ingest.durable import DEFAULT_TIMEOUT, TEMP_PREFIX, atomic_write, clean_temps, fsync_dir, index_lock
from ingest.embed import Embedder
from ingest.glossary import ACRONYM, build_glossary, spell_out
from ingest.manifest import DocumentInfo
from ingest.paragraphs import FOOTNOTE_MARK, Paragraph
from ingest.sentences import split_sentences, tokens
from wtguide.errors import IndexDamaged

log = logging.getLogger(__name__)
# A few thousand vectors at most: a wide HNSW search is near-exact, so answers do not
# change from one run to the next (the default search width gave run-to-run differences).
HNSW = {"hnsw:space": "cosine", "hnsw:search_ef": 400, "hnsw:construction_ef": 400, "hnsw:M": 32}
COLLECTION = "wtguide_chunks"
SENTENCES = "wtguide_sentences"
EMBED_KEYS = "embed_keys.txt"  # one key per row of vectors.npy
REPORT = "report.json"  # what ingest noticed: warnings and pages per document
SENTENCE_KEYS = "sentence_keys.txt"  # one key per row of sentence_vectors.npy
SPELLED_KEYS = "spelled_keys.txt"  # one key per row of spelled_vectors.npy
# (keys, vectors) a build lends to the next one as its embedding cache.
CACHE_FILES = (
    (EMBED_KEYS, "vectors.npy"),
    (SENTENCE_KEYS, "sentence_vectors.npy"),
    (SPELLED_KEYS, "spelled_vectors.npy"),
)


@dataclass(frozen=True)
class IndexInfo:
    corpus_hash: str
    model: str
    chunker: str
    documents: int
    paragraphs: int
    chunks: int
    built_at: float


def current_dir(index_root: Path) -> Path | None:
    pointer = index_root / "CURRENT"
    if not pointer.is_file():
        return None
    path = index_root / pointer.read_text().strip()
    return path if (path / "index.json").is_file() else None


def read_info(index_dir: Path) -> IndexInfo:
    """The build's ``index.json``; ``IndexDamaged`` when it cannot be read."""
    try:
        return IndexInfo(**json.loads((index_dir / "index.json").read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexDamaged(
            f"index {index_dir.name} is damaged: index.json cannot be read; run 'wtguide ingest'", "index.json"
        ) from exc


def read_report(index_dir: Path) -> dict[str, Any]:
    """The ingest report kept with an index: {doc_id: {"warnings": [...], "pages": [...]}}; {} for
    an index built before reports were kept."""
    path = index_dir / REPORT
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def is_fresh(index_root: Path, corpus_hash: str, model: str) -> bool:
    live = current_dir(index_root)
    if live is None:
        return False
    info = read_info(live)
    return info.corpus_hash == corpus_hash and info.model == model and info.chunker == CHUNKER_VERSION


def embed_key(text: str) -> str:
    """The cache key of a vector: a hash of exactly what the model saw.

    Not the chunk id: the embedded text also holds the heading, footnotes and acronym
    expansions, which can change while the chunk's own text does not.
    """
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached_vectors(index_root: Path, model: str) -> dict[str, np.ndarray]:
    """Vectors of the live build by embed key, so unchanged texts are not embedded again."""
    live = current_dir(index_root)
    # The keys hash exactly what the model saw, so any build by the same model can lend its vectors.
    if live is None or read_info(live).model != model:
        return {}
    cache: dict[str, np.ndarray] = {}
    for keys_name, vectors_name in CACHE_FILES:
        keys_file = live / keys_name
        if keys_file.is_file() and (live / vectors_name).is_file():
            try:
                cache.update(zip(keys_file.read_text().split(), np.load(live / vectors_name), strict=True))
            except (OSError, ValueError) as exc:  # a damaged build: embed those texts again
                log.warning("not reusing vectors from %s/%s: %s", live.name, vectors_name, exc)
    return cache


@dataclass(frozen=True)
class SentenceRow:
    """One sentence of a chunk, embedded on its own so a short question can meet it."""

    chunk: int
    text: str


def sentence_rows(chunks: list[Chunk]) -> list[SentenceRow]:
    rows: list[SentenceRow] = []
    for i, c in enumerate(chunks):
        for sentence in split_sentences(c.text):
            if len(sentence.split()) >= 3:
                rows.append(SentenceRow(i, sentence))
    return rows


def with_heading(chunk: Chunk, text: str) -> str:
    """The text after its heading, which gives a short paragraph its context (not the chapter's title)."""
    heading = chunk.heading if chunk.heading and chunk.heading != chunk.chapter else None
    return f"{heading}: {text}" if heading else text


def sentence_embed_text(row: SentenceRow, chunk: Chunk, glossary: dict[str, str]) -> str:
    return " ".join([with_heading(chunk, row.text), *expansions(row.text, glossary)])


def spelled_embed_text(row: SentenceRow, chunk: Chunk, glossary: dict[str, str]) -> str | None:
    """The sentence with its acronyms replaced by their long forms, where it has any.

    The embedding model has never seen "LSP": "For local authorities, the LSP should be the Head of
    Paid Service" meets "who should be the lead safeguarding partner for a local authority?" at
    0.54 cosine as written, and at 0.80 spelled out (measured). The sentence is indexed both ways.
    """
    text = FOOTNOTE_MARK.sub("", with_heading(chunk, row.text))
    spelled = spell_out(text, glossary)
    return spelled if spelled != text else None


def embedding_units(chunks: list[Chunk]) -> int:
    """How many texts an ingest embeds at most (for a progress bar): chunks and their sentences."""
    glossary = build_glossary(c.text for c in chunks)
    rows = sentence_rows(chunks)
    return len(chunks) + len(rows) + sum(1 for r in rows if spelled_embed_text(r, chunks[r.chunk], glossary))


def write_index(
    index_root: Path,
    documents: list[DocumentInfo],
    paragraphs: list[Paragraph],
    chunks: list[Chunk],
    embedder: Embedder,
    corpus_hash: str,
    progress: Callable[[int], None] | None = None,
    report: dict[str, Any] | None = None,
    use_cache: bool = True,
    lock_timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Path, int]:
    """Build a new index aside and swap it in, under the index lock (``Busy`` after
    ``lock_timeout`` s). Returns (live dir, number of chunks embedded). ``report`` (per document:
    warnings and pages) is kept as ``report.json``; ``use_cache``: reuse the live build's vectors
    (not when they are damaged). Temp builds left by a killed run are removed first."""
    index_root.mkdir(parents=True, exist_ok=True)
    with index_lock(index_root, lock_timeout):
        clean_temps(index_root)
        return _write_index(index_root, documents, paragraphs, chunks, embedder, corpus_hash, progress, report,
                            use_cache)


def _write_index(
    index_root: Path,
    documents: list[DocumentInfo],
    paragraphs: list[Paragraph],
    chunks: list[Chunk],
    embedder: Embedder,
    corpus_hash: str,
    progress: Callable[[int], None] | None,
    report: dict[str, Any] | None,
    use_cache: bool,
) -> tuple[Path, int]:
    cache = cached_vectors(index_root, embedder.name) if use_cache else {}
    # Unique even for two builds of one corpus in the same second (an ingest then --rebuild).
    build = index_root / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{corpus_hash[:8]}-{uuid.uuid4().hex[:6]}"
    tmp = index_root / f"{TEMP_PREFIX}{build.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        glossary = build_glossary(c.text for c in chunks)
        vectors, embedded, keys = _vectors([embed_text(c, glossary) for c in chunks], embedder, cache, progress)
        (tmp / EMBED_KEYS).write_text("\n".join(keys) + "\n")
        rows = sentence_rows(chunks)
        s_texts = [sentence_embed_text(r, chunks[r.chunk], glossary) for r in rows]
        s_vectors, s_embedded, s_keys = _vectors(s_texts, embedder, cache, progress)
        embedded += s_embedded
        (tmp / SENTENCE_KEYS).write_text("\n".join(s_keys) + "\n")
        np.save(tmp / "sentence_vectors.npy", s_vectors)
        spelled = [(r, t) for r in rows if (t := spelled_embed_text(r, chunks[r.chunk], glossary))]
        p_vectors, p_embedded, p_keys = _vectors([t for _, t in spelled], embedder, cache, progress)
        embedded += p_embedded
        (tmp / SPELLED_KEYS).write_text("\n".join(p_keys) + "\n")
        np.save(tmp / "spelled_vectors.npy", p_vectors)
        with (tmp / "sentences.jsonl").open("w") as fh:
            for r in rows:
                fh.write(json.dumps({"chunk": chunks[r.chunk].id, "text": r.text}, ensure_ascii=False) + "\n")
        (tmp / "documents.json").write_text(json.dumps([d.to_dict() for d in documents], ensure_ascii=False, indent=1))
        with (tmp / "paragraphs.jsonl").open("w") as fh:
            for p in paragraphs:
                fh.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
        with (tmp / "chunks.jsonl").open("w") as fh:
            for c in chunks:
                fh.write(c.to_json() + "\n")
        np.save(tmp / "vectors.npy", vectors)
        _write_bm25(tmp / "bm25", chunks, glossary)
        (tmp / "glossary.json").write_text(json.dumps(glossary, indent=1, sort_keys=True))
        _write_chroma(
            tmp / "chroma", chunks, vectors, rows + [r for r, _ in spelled], np.concatenate([s_vectors, p_vectors])
        )
        info = IndexInfo(
            corpus_hash=corpus_hash,
            model=embedder.name,
            chunker=CHUNKER_VERSION,
            documents=len(documents),
            paragraphs=len(paragraphs),
            chunks=len(chunks),
            built_at=time.time(),
        )
        (tmp / REPORT).write_text(json.dumps(report or {}, ensure_ascii=False, indent=1))
        (tmp / "index.json").write_text(json.dumps(asdict(info), indent=1))
        write_files_manifest(tmp)
        durable.checkpoint("build-written")
        tmp.rename(build)
        fsync_dir(index_root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap(index_root, build)
    return build, embedded


def _vectors(
    texts: list[str],
    embedder: Embedder,
    cache: dict[str, np.ndarray],
    progress: Callable[[int], None] | None,
) -> tuple[np.ndarray, int, list[str]]:
    """Vectors for every text (cached ones reused), how many were embedded, and their keys."""
    keys = [embed_key(t) for t in texts]
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo = [i for i, k in enumerate(keys) if k not in cache]
    for i, k in enumerate(keys):
        if k in cache:
            vectors[i] = cache[k]
    if progress and len(texts) > len(todo):
        progress(len(texts) - len(todo))
    # Longest first, so each batch holds texts of similar length and little padding is computed.
    todo.sort(key=lambda i: -len(texts[i]))
    batch = 64
    for start in range(0, len(todo), batch):
        idx = todo[start : start + batch]
        vectors[idx] = embedder.embed([texts[i] for i in idx])
        if progress:
            progress(len(idx))
    return vectors, len(todo), keys


def expansions(text: str, glossary: dict[str, str]) -> list[str]:
    """The long forms of the corpus acronyms a text uses: "LSP" also reads "lead safeguarding partner"."""
    return [glossary[a] for a in dict.fromkeys(ACRONYM.findall(text)) if a in glossary]


def embed_text(chunk: Chunk, glossary: dict[str, str] | None = None) -> str:
    """What the dense model sees: the heading gives a short paragraph its context."""
    return " ".join([with_heading(chunk, chunk.text), *chunk.footnotes, *expansions(chunk.text, glossary or {})])


def bm25_text(chunk: Chunk, glossary: dict[str, str] | None = None) -> str:
    """Heading and footnotes are searchable too ("how did 2018 define a child?" is a footnote)."""
    return " ".join([chunk.heading or "", chunk.text, *chunk.footnotes, *expansions(chunk.text, glossary or {})])


def _write_bm25(path: Path, chunks: list[Chunk], glossary: dict[str, str]) -> None:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    retriever = bm25s.BM25()
    retriever.index([tokens(bm25_text(c, glossary)) or ["_"] for c in chunks], show_progress=False)
    retriever.save(str(path))


def _write_chroma(
    path: Path, chunks: list[Chunk], vectors: np.ndarray, rows: list[SentenceRow], s_vectors: np.ndarray
) -> None:
    client = chroma_client(path)
    try:
        sentences = client.get_or_create_collection(SENTENCES, metadata=HNSW, embedding_function=None)
        for start in range(0, len(rows), 2000):
            batch = rows[start : start + 2000]
            sentences.add(
                ids=[f"{chunks[r.chunk].id}-{start + k}" for k, r in enumerate(batch)],
                embeddings=s_vectors[start : start + 2000].tolist(),
                documents=[r.text for r in batch],
                metadatas=[{**chunks[r.chunk].metadata(), "chunk": chunks[r.chunk].id} for r in batch],  # type: ignore[misc]
            )
        col = client.get_or_create_collection(COLLECTION, metadata=HNSW, embedding_function=None)
        for start in range(0, len(chunks), 500):
            part = chunks[start : start + 500]
            col.add(
                ids=[c.id for c in part],
                embeddings=vectors[start : start + 500].tolist(),
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],  # type: ignore[misc]
            )
    finally:
        # Chroma caches one client per path; close it so the files are complete and released
        # before the build directory is renamed (a cached client would write to the old path).
        client.close()


def chroma_client(path: Path):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def swap(index_root: Path, build: Path) -> None:
    """Point CURRENT at ``build`` (atomically: servers follow it) and drop all but the previous
    build. The caller holds the index lock."""
    previous = current_dir(index_root)
    atomic_write(index_root / "CURRENT", build.name.encode())
    # Keep the previous build (a running server may still read it); drop older ones.
    keep = {build.name, previous.name if previous else ""}
    for old in index_root.glob("build-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
