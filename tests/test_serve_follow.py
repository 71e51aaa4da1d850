"""A real `wtguide serve --workers 2`: `wtguide add` from another process, and every worker
answers from the new index with no restart and no failed request (issue 16, part 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from benchmarks.region import free_port, wait_healthy
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow
WTGUIDE = str(Path(sys.executable).with_name("wtguide"))


def test_add_while_two_workers_serve(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    env = {**os.environ, "WTGUIDE_CORPUS_DIR": str(tmp_path / "corpus"), "WTGUIDE_DATA_DIR": str(tmp_path / "data"),
           "WTGUIDE_EMBEDDER": "fake", "WTGUIDE_RATE_LIMIT": "100000/minute", "WTGUIDE_INDEX_CHECK_SECONDS": "0.5"}
    subprocess.run([WTGUIDE, "ingest"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([WTGUIDE, "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        first = httpx.get(f"{base}/healthz", timeout=5).json()["index"]
        failures: list[str] = []
        stop = threading.Event()

        def load() -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    r = client.post(f"{base}/api/search", json={"query": "who are the safeguarding partners"})
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[:100]}")

        workers = [threading.Thread(target=load) for _ in range(2)]
        for w in workers:
            w.start()
        text = tmp_path / "riverside.txt"
        text.write_text("Thresholds\n\nThe Riverside threshold document sets four levels of need.\n", encoding="utf-8")
        added = subprocess.run([WTGUIDE, "add", str(text), "--title", "Riverside thresholds", "--edition", "2026",
                                "--kind", "local", "--publisher", "Riverside Safeguarding Children Partnership"],
                               env=env, capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
        new = (tmp_path / "data" / "index" / "CURRENT").read_text().strip()
        assert new != first
        # Both workers move: 20 health checks in a row all report the new build.
        deadline = time.monotonic() + 60
        streak = 0
        while time.monotonic() < deadline and streak < 20:
            streak = streak + 1 if httpx.get(f"{base}/healthz", timeout=5).json()["index"] == new else 0
            time.sleep(0.05)
        stop.set()
        for w in workers:
            w.join()
        assert streak >= 20, "the workers never all picked up the new index"
        assert not failures, failures[:3]
        hits = httpx.post(f"{base}/api/search", json={"query": "Riverside threshold document levels of need"},
                          timeout=30).json()["results"]
        assert hits[0]["doc_id"] == "riverside-thresholds-2026" and hits[0]["kind"] == "local"
    finally:
        server.terminate()
        server.wait(timeout=20)
