"""The question vectors' adapter (rag.retrieve.QueryAdapter, fitted by evals/fit.py): fitting moves
questions towards the paragraphs that answer them; retrieval searches with the moved vectors but
judges passages by the model's own similarity; only the model it was fitted for uses it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evals.dataset import tuning_files
from evals.fit import AdapterRow, fit_adapter, write_adapter
from evals.run import file_sha
from ingest.embed import FakeEmbedder, MiniLMEmbedder
from rag.retrieve import Filters, QueryAdapter
from rag.service import Assistant
from rag.store import IndexStore
from wtguide.errors import WtguideError
from wtguide.settings import Settings

DIM = 16


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _toy_store(paragraphs: int) -> SimpleNamespace:
    """One chunk per paragraph, one sentence each: paragraph k's sentence is the k-th axis."""
    chunks = [SimpleNamespace(id=f"c{k}", doc_id="doc", paragraph=str(k)) for k in range(paragraphs)]
    vectors = {(f"c{k}", "0"): np.eye(DIM, dtype=np.float32)[k] for k in range(paragraphs)}
    return SimpleNamespace(chunks=chunks, sentence_vectors=vectors, chunk_index={c.id: i for i, c in enumerate(chunks)})


def _asked_like_the_next(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """Questions about paragraph k worded nearer paragraph k+1's sentence than k's own."""
    noise = rng.normal(0, 0.15, size=(n, DIM))
    return _unit(np.eye(DIM)[k + 1] + 0.7 * np.eye(DIM)[k] + noise).astype(np.float32)


def _top(vectors: np.ndarray, paragraphs: int) -> np.ndarray:
    return np.argmax(vectors @ np.eye(DIM, dtype=np.float32)[:paragraphs].T, axis=1)  # type: ignore[no-any-return]


def test_fitting_moves_questions_to_the_paragraph_that_answers_them() -> None:
    paragraphs = 6
    store = _toy_store(paragraphs)
    rng = np.random.default_rng(1)
    rows = [AdapterRow(f"q{k}-{i}", v[None, :], (("doc", str(k)),))
            for k in range(paragraphs - 1) for i, v in enumerate(_asked_like_the_next(rng, k, 20))]
    delta = fit_adapter(rows, store, epochs=6, lr=3e-2)
    adapter = QueryAdapter(delta, "toy")
    # New questions worded the same way: the model's own vectors put every one at the wrong
    # paragraph; moved, nearly all reach the right one.
    fresh = np.vstack([_asked_like_the_next(rng, k, 10) for k in range(paragraphs - 1)])
    truth = np.repeat(np.arange(paragraphs - 1), 10)
    assert (_top(fresh, paragraphs) == truth).mean() < 0.1
    moved = adapter.apply(fresh)
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)
    assert (_top(moved, paragraphs) == truth).mean() > 0.9


def test_retrieval_searches_with_the_moved_vector_and_judges_by_the_models_own(
    fake_index: Path, tmp_path: Path
) -> None:
    store = IndexStore.load(fake_index)
    embedder = FakeEmbedder()
    text = "who are the safeguarding partners"
    plain = Assistant(Settings(data_dir=fake_index.parent, embedder="fake", query_adapter=""), store, embedder)
    before = plain.retriever.dense_sentences([text], Filters(), 10)
    # An adapter that moves this question's vector onto the sentence of a passage it did not rank first:
    # delta = -I + q'v / q'q, so q + q @ delta = v.
    target = before[-1][0]
    chunk_id = store.chunks[target].id
    v = next(vec for (cid, _), vec in store.sentence_vectors.items() if cid == chunk_id)
    q = plain.retriever.query_vector(text)
    delta = -np.eye(len(q), dtype=np.float32) + np.outer(q, v) / float(q @ q)
    path = write_adapter(delta, {"embedder": FakeEmbedder.name}, tmp_path / "adapter.npz")
    moved = Assistant(Settings(data_dir=fake_index.parent, embedder="fake", query_adapter=str(path)), store, embedder)
    after = moved.retriever.dense_sentences([text], Filters(), 10)
    assert before[0][0] != target and after[0][0] == target
    # The score it carries on (into the answer decision) is the model's own similarity, not the moved one.
    assert after[0][1] == pytest.approx(plain.retriever.similarity(target, [text]))
    assert after[0][1] < 0.99


def test_only_the_model_it_was_fitted_for_uses_it(tmp_path: Path) -> None:
    path = write_adapter(np.zeros((DIM, DIM), np.float32), {"embedder": "another-model"}, tmp_path / "a.npz")
    assert QueryAdapter.load(path, FakeEmbedder.name) is None
    assert QueryAdapter.load("", FakeEmbedder.name) is None
    assert QueryAdapter.load(tmp_path / "missing.npz", FakeEmbedder.name) is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not an adapter")
    with pytest.raises(WtguideError, match="not a query adapter"):
        QueryAdapter.load(broken, FakeEmbedder.name)
    lopsided = write_adapter(np.zeros((DIM, 3), np.float32), {"embedder": FakeEmbedder.name}, tmp_path / "b.npz")
    with pytest.raises(WtguideError, match="square matrix"):
        QueryAdapter.load(lopsided, FakeEmbedder.name)


def test_the_shipped_adapter_is_for_the_real_model_and_the_dev_sets_as_they_are() -> None:
    """rag/data/query_adapter.npz: fitted for all-MiniLM-L6-v2 on the dev sets now in evals/ (a dev
    set changed since means refitting: wtguide eval --split dev --fit-adapter)."""
    import json

    path = Settings.model_fields["query_adapter"].default
    adapter = QueryAdapter.load(path, MiniLMEmbedder.name)
    assert adapter is not None and adapter.delta.shape == (384, 384)
    with np.load(path) as data:
        sets = json.loads(str(data["meta"]))["sets"]
    assert sets == {name: file_sha(p) for name, p in tuning_files().items()}
    assert not any(name.startswith("blind") or name == "test" for name in sets)
