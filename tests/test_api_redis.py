"""Limits counted in Redis: workers (here two app instances) share one budget; Redis away fails open."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from benchmarks.region import Missing, Redis, free_port
from rag.service import Assistant
from wtguide.settings import Settings

SEARCH = {"query": "early help"}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A redis-server of our own on loopback (benchmarks/region.py), nothing saved, stopped at the end."""
    try:
        server = Redis()
    except Missing as exc:
        pytest.skip(str(exc))
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(scope="module")
def assistant(fake_index: Path) -> Assistant:
    return Assistant.from_settings(Settings(data_dir=fake_index.parent, embedder="fake", _env_file=None))  # type: ignore[call-arg]


def app_client(tmp_path: Path, assistant: Assistant, **overrides: object) -> TestClient:
    settings = Settings(data_dir=tmp_path, embedder="fake", _env_file=None, **overrides)  # type: ignore[arg-type]
    return TestClient(create_app(settings, assistant), client=("192.0.2.10", 1000), raise_server_exceptions=False)


def test_two_workers_share_one_budget(tmp_path: Path, assistant: Assistant, redis_url: str) -> None:
    # A fresh database number keeps this test's counters apart from the other test's.
    url = redis_url[:-1] + "1"
    with app_client(tmp_path, assistant, redis_url=url, rate_limit="3/minute") as one, \
            app_client(tmp_path, assistant, redis_url=url, rate_limit="3/minute") as two:
        codes = [one.post("/api/search", json=SEARCH).status_code, two.post("/api/search", json=SEARCH).status_code,
                 one.post("/api/search", json=SEARCH).status_code]
        refused = two.post("/api/search", json=SEARCH)
    assert codes == [200, 200, 200]
    assert refused.status_code == 429 and refused.headers["RateLimit-Remaining"] == "0"


def test_wrong_key_budget_is_shared_too(tmp_path: Path, assistant: Assistant, redis_url: str) -> None:
    url = redis_url[:-1] + "2"
    common = {"redis_url": url, "api_keys": ["s3cret"], "key_failure_limit": "2/minute"}
    with app_client(tmp_path, assistant, **common) as one, app_client(tmp_path, assistant, **common) as two:
        wrong = [one.post("/api/search", json=SEARCH, headers={"X-API-Key": "guess"}).status_code,
                 two.post("/api/search", json=SEARCH, headers={"X-API-Key": "guess"}).status_code]
        right = one.post("/api/search", json=SEARCH, headers={"X-API-Key": "s3cret"})
    assert wrong == [401, 401] and right.status_code == 429


def test_redis_away_fails_open_with_a_warning(tmp_path: Path, assistant: Assistant,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    with app_client(tmp_path, assistant, redis_url=nobody, rate_limit="1/minute") as c:
        start = time.monotonic()
        codes = [c.post("/api/search", json=SEARCH).status_code for _ in range(3)]
        took = time.monotonic() - start
    assert codes == [200, 200, 200]
    assert took < 5
    warnings = [r for r in caplog.records if "rate-limit storage unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once, not once per request
