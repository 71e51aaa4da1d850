"""A real `wtguide serve --workers 2`: JSON log lines carrying the request id, /metrics summed over
both workers, and the answering-off file taking the server off and back on without a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from benchmarks.region import free_port, wait_healthy
from wtguide.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
# The checkout's own code (a console script may point at another install).
WTGUIDE = [sys.executable, "-c", "import sys; from wtguide.cli import main; sys.exit(main())"]


def test_two_workers_log_json_share_metrics_and_obey_the_switch(tmp_path: Path, fake_index: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "index").symlink_to(fake_index, target_is_directory=True)
    env = {**os.environ, "WTGUIDE_DATA_DIR": str(data), "WTGUIDE_EMBEDDER": "fake",
           "WTGUIDE_RATE_LIMIT": "100000/minute", "WTGUIDE_ANSWERING_CHECK_SECONDS": "0.2"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    port = free_port()
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen([*WTGUIDE, "serve", "--port", str(port), "--workers", "2"], env=env, cwd=PROJECT_ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        with httpx.Client(base_url=base, timeout=30) as c:
            before = _count(c.get("/metrics").text)
            ids = [c.get("/healthz", headers={"X-Request-ID": f"probe-{i}"}).headers["X-Request-ID"] for i in range(40)]
            assert ids == [f"probe-{i}" for i in range(40)]
            # Every scrape, whichever worker takes it, sees all 40 (plus the scrapes before it).
            for _ in range(4):
                assert _count(c.get("/metrics").text) - before >= 40
            assert c.post("/api/search", json={"query": "early help"}).status_code == 200
            (data / "answering-off").write_text("Back after the update.")
            time.sleep(0.5)
            offs = [c.post("/api/search", json={"query": "early help"}) for _ in range(6)]
            off = "Back after the update. If a child is in immediate danger, call 999."
            assert {(r.status_code, r.json()["detail"]) for r in offs} == {(503, off)}
            assert c.get("/healthz").status_code == 200
            (data / "answering-off").unlink()
            time.sleep(0.5)
            assert all(c.post("/api/search", json={"query": "x"}).status_code == 200 for _ in range(6))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    log.seek(0)
    lines = [line for line in log.read().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "uvicorn.access" and "/healthz" in r["message"]]
    assert {r["request_id"] for r in access} >= {f"probe-{i}" for i in range(40)}
    assert any(r["logger"] == "api.switch" and "switched off" in r["message"] for r in records)


def _count(metrics: str) -> float:
    prefix = 'wtguide_http_requests_total{method="GET",route="/healthz",status="200"} '
    return next((float(line[len(prefix):]) for line in metrics.splitlines() if line.startswith(prefix)), 0.0)
