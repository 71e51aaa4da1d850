"""The real embedder on onnxruntime gives the vectors sentence-transformers gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ingest.embed
from ingest.embed import MiniLMEmbedder

# Lengths that pad each other in one batch, one past the model's 256-token limit, and the empty text.
TEXTS = [
    "Who must the lead safeguarding partner for a council be?",
    "LSP",
    "Practitioners should be alert to the needs of young carers. " * 40,
    "",
    "Early help is support for children of all ages that improves a family's resilience.",
]


@pytest.fixture(scope="module")
def on_torch() -> MiniLMEmbedder:
    embedder = MiniLMEmbedder()
    assert embedder.runtime == "torch"
    return embedder


@pytest.mark.slow
def test_onnx_vectors_are_sentence_transformers_vectors(minilm, on_torch: MiniLMEmbedder) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = minilm.embed(TEXTS), on_torch.embed(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.abs(ours - theirs).max() < 1e-5
    # One at a time (no padding) or in a batch: the same vectors.
    assert np.abs(minilm.embed(TEXTS[:1]) - ours[:1]).max() < 1e-5


@pytest.mark.slow
def test_the_exported_model_is_reused(minilm) -> None:  # type: ignore[no-untyped-def]
    graph = minilm.graph
    exported = graph.stat().st_mtime_ns
    reused = MiniLMEmbedder(cache_dir=graph.parent)
    assert reused.graph == graph and graph.stat().st_mtime_ns == exported
    assert [p.name for p in graph.parent.iterdir()] == [graph.name]  # no second export, no leftovers


@pytest.mark.slow
def test_a_failed_export_falls_back_to_torch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, on_torch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> None:
        raise RuntimeError("Module onnx is not installed!")

    monkeypatch.setattr(ingest.embed, "_export", broken)
    embedder = MiniLMEmbedder(cache_dir=tmp_path)
    assert embedder.runtime == "torch"
    assert list(tmp_path.iterdir()) == []
    assert np.abs(embedder.embed(TEXTS[:2]) - on_torch.embed(TEXTS[:2])).max() < 1e-6


@pytest.mark.slow
def test_a_damaged_export_is_made_again(minilm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    damaged = tmp_path / minilm.graph.name
    damaged.write_bytes(b"not a model")
    embedder = MiniLMEmbedder(cache_dir=tmp_path)
    assert embedder.runtime == "onnx" and embedder.graph == damaged
    assert np.abs(embedder.embed(TEXTS[:2]) - minilm.embed(TEXTS[:2])).max() < 1e-6
