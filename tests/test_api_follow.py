"""A running service follows the index: `add` while serving, and the same server answers from the
new index without a restart or a failed request; a damaged new build leaves the old one serving."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from ingest.add import add_document
from ingest.embed import FakeEmbedder
from ingest.pipeline import ingest
from wtguide.settings import Settings


def _settings(corpus: Path, data: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        data_dir=data, corpus_dir=corpus, embedder="fake", rate_limit="100000/minute", index_check_seconds=0,
        _env_file=None,
    )


def _reindex(settings: Settings) -> None:
    ingest(settings.manifest_path, settings.index_root, FakeEmbedder, FakeEmbedder.name, settings.max_chunk_chars)


def _wait_for(client: TestClient, index: str, seconds: float = 30.0) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get("/healthz").json()
        if body["index"] == index:
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"the server never picked up {index}")


def test_add_while_serving_is_answered_by_the_same_server(corpus_copy: Path, tmp_path: Path) -> None:
    settings = _settings(corpus_copy, tmp_path / "data")
    _reindex(settings)
    with TestClient(create_app(settings)) as client:
        first = client.get("/healthz").json()
        assert first["documents"] == 5 and first["built_at"].endswith("+00:00")
        statuses: list[int] = []
        stop = threading.Event()

        def load() -> None:  # a small concurrent load while the index is swapped
            while not stop.is_set():
                r = client.post("/api/search", json={"query": "who are the safeguarding partners"})
                statuses.append(r.status_code)

        workers = [threading.Thread(target=load) for _ in range(3)]
        for w in workers:
            w.start()
        try:
            text = tmp_path / "local-threshold.txt"
            text.write_text(
                "Thresholds\n\nThe Riverside partnership's threshold document sets four levels of need.\n",
                encoding="utf-8",
            )
            add_document(settings, text, title="Riverside thresholds", edition="2026", kind="commentary",
                         publisher="Riverside Safeguarding Children Partnership",
                         doc_id="riverside-thresholds", reindex=lambda: _reindex(settings))
            new = (settings.index_root / "CURRENT").read_text().strip()
            assert new != first["index"]
            after = _wait_for(client, new)
        finally:
            stop.set()
            for w in workers:
                w.join()
        assert after["documents"] == 6
        assert "riverside-thresholds" in {d["doc_id"] for d in client.get("/api/documents").json()}
        hits = client.post("/api/search", json={"query": "Riverside threshold document four levels of need"}).json()
        assert hits["results"][0]["doc_id"] == "riverside-thresholds"
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        asked = client.post("/api/ask", json={"question": "How many levels of need does the Riverside threshold "
                                                          "document set?"}).json()
        assert any(c["doc_id"] == "riverside-thresholds" for c in asked["citations"]), asked["answer"]


def test_a_damaged_new_index_leaves_the_old_one_serving(corpus_copy: Path, tmp_path: Path) -> None:
    settings = _settings(corpus_copy, tmp_path / "data")
    _reindex(settings)
    with TestClient(create_app(settings)) as client:
        serving = client.get("/healthz").json()["index"]
        broken = settings.index_root / "build-broken"
        broken.mkdir()
        (broken / "index.json").write_text("{}")  # a pointer to a build that cannot be read
        (settings.index_root / "CURRENT").write_text(broken.name)
        for _ in range(20):
            assert client.get("/healthz").json()["index"] == serving
            assert client.post("/api/search", json={"query": "safeguarding partners"}).status_code == 200
            time.sleep(0.02)
