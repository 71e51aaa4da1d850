"""Shared fixtures: isolated settings, a fake-embedder index of the real corpus, the real model once.

- ``settings``: a ``Settings`` whose data dir is in ``tmp_path`` and whose embedder is the fake.
- ``fake_index``: the seed ``corpus/`` ingested once per run with the fake embedder; returns the
  index root (pass it to ``rag.store.IndexStore.load``). Treat it as read-only.
- ``minilm``: the real all-MiniLM-L6-v2, loaded once per run, for tests marked ``slow``.
- ``cli_env``: points ``WTGUIDE_*`` at tmp dirs and clears the cached settings, for
  ``wtguide.cli.main([...])`` calls.
- ``make_pdf``: writes a small PDF with a text layer, one list of lines per page.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The project is installed editable; this also makes a plain checkout importable (benchmarks/ too).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pdfgen import pdf_bytes  # noqa: E402,F401 - re-exported: tests import it from here
from wtguide.settings import PROJECT_ROOT, Settings, get_settings  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"
# Where the real model's export and the seed index built with it are kept (``make test`` passes the
# data dir ``make gates`` uses next, whose ingest then finds the index up to date instead of
# embedding the corpus again: about 40 s). Unset: a temp dir per run. Read before any test clears
# WTGUIDE_* from the environment.
SHARED_DATA = Path(os.environ["WTGUIDE_TEST_DATA_DIR"]) if os.environ.get("WTGUIDE_TEST_DATA_DIR") else None

# No test reaches the network; the bundled model is read from disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's .data/ or a WTGUIDE_* variable from the shell."""
    for key in [k for k in os.environ if k.startswith("WTGUIDE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("WTGUIDE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("WTGUIDE_EMBEDDER", "fake")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: data in tmp_path, the seed corpus, the fake embedder."""
    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, embedder="fake", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of corpus/ (for tests that add documents or edit the manifest)."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Settings]:
    """Point the CLI at tmp dirs: ``cli_env(corpus_dir=..., data_dir=...)`` returns its settings."""

    def configure(corpus_dir: Path = CORPUS, data_dir: Path | None = None) -> Settings:
        monkeypatch.setenv("WTGUIDE_CORPUS_DIR", str(corpus_dir))
        monkeypatch.setenv("WTGUIDE_DATA_DIR", str(data_dir or tmp_path / "data"))
        monkeypatch.setenv("WTGUIDE_EMBEDDER", "fake")
        get_settings.cache_clear()
        return get_settings()

    return configure


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus ingested once with the fake embedder; returns the index root."""
    from ingest.embed import FakeEmbedder
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("fake-index") / "index"
    max_chars = Settings.model_fields["max_chunk_chars"].default
    ingest(CORPUS / "manifest.yaml", root, FakeEmbedder, FakeEmbedder.name, max_chars)
    return root


@pytest.fixture(scope="session")
def minilm(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder as the app runs it (on onnxruntime, exported once per
    run), loaded once per run (use in tests marked ``slow``).

    ``minilm.load_seconds`` is how long the load took, for tests that budget "model load included".
    """
    import time

    from ingest.embed import MiniLMEmbedder

    start = time.perf_counter()
    models = SHARED_DATA / "models" if SHARED_DATA else tmp_path_factory.mktemp("models")
    embedder = MiniLMEmbedder(cache_dir=models)
    assert embedder.runtime == "onnx"
    embedder.load_seconds = time.perf_counter() - start  # type: ignore[attr-defined]
    return embedder


@pytest.fixture(scope="session")
def minilm_index(tmp_path_factory: pytest.TempPathFactory, minilm) -> Path:  # type: ignore[no-untyped-def]
    """The seed corpus ingested once with the real model (for tests marked ``slow``); in
    ``WTGUIDE_TEST_DATA_DIR`` when set, where an index already up to date is used as it is (ingest
    checks every file's hash). Treat it as read-only."""
    from ingest.pipeline import ingest

    root = (SHARED_DATA or tmp_path_factory.mktemp("minilm-index")) / "index"
    max_chars = Settings.model_fields["max_chunk_chars"].default
    ingest(CORPUS / "manifest.yaml", root, lambda: minilm, minilm.name, max_chars)
    return root


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    """``make_pdf([[line, ...], ...], name="doc.pdf")`` writes a text PDF and returns its path."""

    def make(pages: list[list[str]], name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(pdf_bytes(pages))
        return path

    return make
