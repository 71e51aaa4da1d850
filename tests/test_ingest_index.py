"""The index on disk: idempotent re-ingest, embedding cache, atomic swap, paragraph store, speed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from ingest.chunks import CHUNKER_VERSION
from ingest.embed import FakeEmbedder
from ingest.glossary import spell_out
from ingest.index import current_dir, is_fresh, read_info
from ingest.manifest import load_manifest
from ingest.pipeline import IngestResult, ingest
from ingest.sentences import tokens
from rag.store import IndexStore
from wtguide.errors import NotFound
from wtguide.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering what it was asked to embed."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


class CrashingEmbedder(FakeEmbedder):
    """Embeds one batch, then fails: an ingest that dies halfway (another name, so nothing is cached)."""

    name = "fake-crashing"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("out of memory")
        return super().embed(texts)


def run(corpus: Path, index_root: Path, embedder: FakeEmbedder, rebuild: bool = False) -> IngestResult:
    return ingest(corpus / "manifest.yaml", index_root, lambda: embedder, embedder.name, 1200, rebuild=rebuild)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def built(corpus_copy: Path, tmp_path: Path, fake_index: Path) -> tuple[Path, Path, IngestResult]:
    """(corpus copy, index root, the index as built) over a private copy of the session's index."""
    root = tmp_path / "index"
    shutil.copytree(fake_index, root)
    result = run(corpus_copy, root, CountingEmbedder())
    assert result.status == "up-to-date"  # the copy is the same corpus
    return corpus_copy, root, result


def units(index_dir: str | Path) -> int:
    """Texts an index embeds: each chunk, each of its sentences on its own, and again spelled out
    where a sentence uses an acronym."""
    sentences = (Path(index_dir) / "sentences.jsonl").read_text().splitlines()
    spelled = (Path(index_dir) / "spelled_keys.txt").read_text().split()
    assert spelled, "the seed corpus uses acronyms, so some sentences are indexed spelled out"
    return len((Path(index_dir) / "chunks.jsonl").read_text().splitlines()) + len(sentences) + len(spelled)


def test_first_ingest_embeds_every_chunk_and_records_what_it_built(corpus_copy: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    embedder = CountingEmbedder()
    result = run(corpus_copy, root, embedder)
    assert result.status == "built"
    assert (result.documents, result.embedded) == (5, units(result.index_dir)) == (5, len(embedder.texts))
    assert result.embedded > result.chunks
    info = read_info(current_dir(root))  # type: ignore[arg-type]
    assert info.corpus_hash == load_manifest(corpus_copy / "manifest.yaml").content_hash()
    assert (info.model, info.chunker) == (FakeEmbedder.name, CHUNKER_VERSION)
    assert (info.documents, info.paragraphs, info.chunks) == (5, result.paragraphs, result.chunks)


def test_reingesting_unchanged_is_up_to_date_and_never_loads_the_model(
    built: tuple[Path, Path, IngestResult],
) -> None:
    corpus, root, first = built
    before = snapshot(root)

    def no_model() -> FakeEmbedder:
        raise AssertionError("the embedder must not be loaded for an up-to-date index")

    result = ingest(corpus / "manifest.yaml", root, no_model, FakeEmbedder.name, 1200)
    assert (result.status, result.embedded, result.chunks) == ("up-to-date", 0, first.chunks)
    assert result.index_dir == first.index_dir
    assert snapshot(root) == before


def test_rebuild_reuses_every_cached_vector(built: tuple[Path, Path, IngestResult]) -> None:
    corpus, root, first = built
    embedder = CountingEmbedder()
    result = run(corpus, root, embedder, rebuild=True)
    assert (result.status, result.embedded, embedder.texts) == ("built", 0, [])
    assert result.index_dir != first.index_dir
    old = np.load(Path(first.index_dir) / "vectors.npy")
    assert np.array_equal(np.load(Path(result.index_dir) / "vectors.npy"), old)


def test_changing_one_paragraph_reembeds_only_its_chunks(built: tuple[Path, Path, IngestResult]) -> None:
    corpus, root, first = built
    source = corpus / "wt2023.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("as close to home as possible", "as near to home"))
    embedder = CountingEmbedder()
    result = run(corpus, root, embedder)
    # Its chunk and the one sentence that changed; every other sentence of it is cached.
    assert (result.status, result.embedded, result.chunks) == ("built", 2, first.chunks)
    assert len(embedder.texts) == 2 and all("placed as near to home" in t for t in embedder.texts)
    store = IndexStore.load(root)
    assert "as near to home" in store.paragraph("wt2023", "46").text


def test_a_changed_heading_reembeds_the_paragraphs_under_it(built: tuple[Path, Path, IngestResult]) -> None:
    # Regression: vectors were cached by chunk id (a hash of the chunk's own text), but the
    # model also sees the heading and footnotes, so a renamed heading kept stale vectors.
    corpus, root, _ = built
    under = [c for c in IndexStore.load(root).chunks if c.doc_id == "wt2023" and c.heading == "Geography"]
    assert [c.paragraph for c in under] == ["41", "42", "43", "44", "45", "46"]
    source = corpus / "wt2023.txt"
    source.write_text(source.read_text(encoding="utf-8").replace("\n Geography\n", "\n Geographical areas\n"))
    embedder = CountingEmbedder()
    result = run(corpus, root, embedder)
    ids = {c.id for c in under}
    sentences = [ln for ln in (Path(result.index_dir) / "sentences.jsonl").read_text().splitlines()]
    under_sentences = [json.loads(ln)["text"] for ln in sentences if json.loads(ln)["chunk"] in ids]
    # A sentence that uses an acronym is embedded a second time, spelled out.
    glossary = IndexStore.load(root).glossary
    spelled = sum(1 for t in under_sentences if spell_out(t, glossary) != t)
    assert spelled > 0
    assert result.embedded == len(under) + len(under_sentences) + spelled
    assert all(text.startswith("Geographical areas: ") for text in embedder.texts)
    store = IndexStore.load(root)
    assert [c.id for c in store.chunks if c.heading == "Geographical areas"] == [c.id for c in under]


def test_a_changed_manifest_entry_rebuilds_without_reembedding(built: tuple[Path, Path, IngestResult]) -> None:
    corpus, root, _ = built
    manifest = corpus / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("status: current", "status: superseded\n    superseded_by: x", 1))
    embedder = CountingEmbedder()
    result = run(corpus, root, embedder)
    assert result.status == "built"
    # Status is metadata, not embedded text: the cache still covers the text that did not change.
    assert result.embedded == 0
    assert IndexStore.load(root).documents["schools-guide"].status == "superseded"


def test_a_new_model_or_chunker_makes_the_index_stale(
    built: tuple[Path, Path, IngestResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, root, first = built
    corpus_hash = load_manifest(corpus / "manifest.yaml").content_hash()
    assert is_fresh(root, corpus_hash, FakeEmbedder.name)
    assert not is_fresh(root, corpus_hash, "another-model")
    monkeypatch.setattr("ingest.index.CHUNKER_VERSION", "paragraph-v999")
    assert not is_fresh(root, corpus_hash, FakeEmbedder.name)

    class OtherModel(CountingEmbedder):
        name = "fake-other"

    embedder = OtherModel()
    result = ingest(corpus / "manifest.yaml", root, lambda: embedder, embedder.name, 1200)
    assert result.embedded == units(first.index_dir)  # vectors of another model are never reused


def test_a_failed_ingest_leaves_the_previous_index_serving(built: tuple[Path, Path, IngestResult]) -> None:
    corpus, root, first = built
    before = snapshot(root)
    (corpus / "wt2023.txt").write_text((corpus / "wt2023.txt").read_text(encoding="utf-8") + "\n63. A new paragraph.\n")
    crashing = CrashingEmbedder()
    with pytest.raises(RuntimeError, match="out of memory"):
        run(corpus, root, crashing, rebuild=True)
    assert crashing.calls == 2  # it did fail midway, after writing one batch
    assert snapshot(root) == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".tmp")] == []
    store = IndexStore.load(root)
    assert str(store.path) == first.index_dir
    with pytest.raises(NotFound):
        store.paragraph("wt2023", "63")


def test_old_builds_are_pruned_but_the_previous_one_is_kept(built: tuple[Path, Path, IngestResult]) -> None:
    corpus, root, first = built
    second = run(corpus, root, CountingEmbedder(), rebuild=True)
    third = run(corpus, root, CountingEmbedder(), rebuild=True)
    builds = sorted(p.name for p in root.glob("build-*"))
    assert builds == sorted([Path(second.index_dir).name, Path(third.index_dir).name])
    assert (root / "CURRENT").read_text().strip() == Path(third.index_dir).name


def test_rebuilds_in_quick_succession_each_get_their_own_directory(built: tuple[Path, Path, IngestResult]) -> None:
    # Regression: builds were named by the second, so two rebuilds in one second collided
    # (and Chroma's per-path client cache then wrote to a renamed directory).
    corpus, root, _ = built
    dirs = {run(corpus, root, CountingEmbedder(), rebuild=True).index_dir for _ in range(3)}
    assert len(dirs) == 3
    store = IndexStore.load(root)
    assert store.collection.count() == len(store.chunks)


# --- reading the index (the session-wide fake index) --------------------------------------------


@pytest.fixture(scope="module")
def store(fake_index: Path) -> IndexStore:
    return IndexStore.load(fake_index)


def test_paragraph_store_answers_doc_and_paragraph(store: IndexStore) -> None:
    p14 = store.paragraph("wt2023", "14")
    assert (p14.page, p14.heading, [f.number for f in p14.footnotes]) == (
        12,
        "A child-centred approach within a whole family focus",
        [6],
    )
    assert store.paragraph("wt2023", "14.") == p14  # as people type it
    assert store.paragraph("wt2018", "12").text.startswith("Children may be vulnerable")
    assert store.paragraph("lg-explainer", "early-help-1").heading == "Early help"
    assert store.neighbours("wt2023", "1") == ("introduction-7", "2")
    assert store.neighbours("wt2023", "62")[1] is None
    assert [c.paragraph for c in store.chunks_of("wt2023", "18")] == ["18"] * len(store.chunks_of("wt2023", "18"))


def test_paragraph_store_says_what_it_does_not_hold(store: IndexStore) -> None:
    with pytest.raises(NotFound, match=r"no paragraph 63 .*paragraphs 1-62"):
        store.paragraph("wt2023", "63")
    with pytest.raises(NotFound, match="no document 'wt2026'"):
        store.paragraph("wt2026", "1")


def test_documents_and_counts(store: IndexStore) -> None:
    assert list(store.documents) == ["wt2023", "wt2018", "schools-guide", "lgl-news", "lg-explainer"]
    assert sum(p.numbered for p in store.doc_paragraphs("wt2023")) == 62
    assert sum(p.numbered for p in store.doc_paragraphs("wt2018")) == 19
    assert store.info.chunks == len(store.chunks) == len(store.vectors)


def test_chroma_holds_the_same_chunks_with_metadata(store: IndexStore) -> None:
    col = store.collection
    assert col.count() == len(store.chunks)
    chunk = store.chunks_of("wt2023", "48")[0]
    got = col.get(ids=[chunk.id], include=["metadatas", "documents"])
    assert got["documents"] == [chunk.text]
    meta = got["metadatas"][0]
    assert (meta["doc_id"], meta["paragraph"], meta["page"], meta["edition"], meta["status"]) == (
        "wt2023",
        "48",
        26,
        "2023",
        "superseded",
    )
    hits = col.query(query_embeddings=[store.vectors[store.chunk_index[chunk.id]].tolist()], n_results=1)
    assert hits["ids"][0] == [chunk.id]


def test_bm25_indexes_the_same_chunks(store: IndexStore) -> None:
    scores = np.asarray(store.bm25.get_scores(tokens("geographical boundaries safeguarding partners")))
    assert len(scores) == len(store.chunks)
    best = store.chunks[int(scores.argmax())]
    assert (best.doc_id, best.paragraph) == ("wt2023", "41")


def test_index_files_are_plain_json_lines(fake_index: Path) -> None:
    live = current_dir(fake_index)
    assert live is not None
    rows = [json.loads(line) for line in (live / "paragraphs.jsonl").read_text().splitlines()]
    assert {"doc_id", "paragraph", "page", "headings", "text", "footnotes"} <= set(rows[0])


# --- the real model ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_seed_corpus_with_minilm_then_reingest_embeds_nothing(minilm_index: Path, tmp_path: Path) -> None:
    # The seed corpus as the session's real-model fixture built it (that the first build embeds
    # every unit is tested above with the fake embedder; its time is make bench-ingest's).
    index_dir = minilm_index / (minilm_index / "CURRENT").read_text().strip()
    vectors = np.load(index_dir / "vectors.npy")
    assert vectors.shape == (json.loads((index_dir / "index.json").read_text())["chunks"], 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)

    # Re-ingest from a fresh process, as `wtguide ingest` runs: up to date, nothing embedded.
    env = {**os.environ, "WTGUIDE_DATA_DIR": str(minilm_index.parent), "WTGUIDE_EMBEDDER": "minilm"}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "wtguide.cli", "ingest", "--json"], env=env, capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - start
    again = json.loads(out.stdout)
    assert (again["status"], again["embedded"]) == ("up-to-date", 0)
    print(f"re-ingest of an unchanged corpus: {seconds:.1f}s")
