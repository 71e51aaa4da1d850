"""A region on loopback (issue 19, part 4): three `wtguide serve` replicas over one read-only
index behind nginx, Redis counting the rate limit, PostgreSQL keeping feedback.

Skipped, with the reason, when nginx, redis-server or PostgreSQL is missing; `.ci/run`
installs them, so in CI it runs. The figures are printed (``pytest -s``) and measured at more
levels by ``make bench-load``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.region import Missing, Region, hammer

pytestmark = pytest.mark.slow
CLIENTS = 32
SECONDS = 60
LIMIT = 1000  # per client per minute: well above what one of 32 load clients sends, so the load sees no 429
QUESTIONS = [
    {"question": "Who are the safeguarding partners?"},
    {"question": "what is early help"},
    {"question": "What does paragraph 14 of Working Together 2023 say?"},
    {"question": "whats an LCSPR"},
    {"question": "When must a strategy discussion happen?"},
    {"question": "What changed since 2018 about the safeguarding partners?"},
    {"question": "who chairs the safeguarding partnership meetings"},
    {"question": "What is a child protection plan?"},
]


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def region(fake_index: Path) -> Iterator[Region]:
    try:
        with Region(fake_index.parent, replicas=3, embedder="fake",
                    env={"WTGUIDE_RATE_LIMIT": f"{LIMIT}/minute"}) as started:
            yield started
    except Missing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def index_before(fake_index: Path) -> dict[str, str]:
    return _hashes(fake_index)


def test_32_clients_for_60_seconds_without_an_error(region: Region, index_before: dict[str, str]) -> None:
    load = hammer(region.url, CLIENTS, SECONDS, QUESTIONS)
    print(f"\nregion, 3 replicas behind nginx: {load.summary()}")
    assert len(load.results) > CLIENTS * 10, load.summary()
    assert not load.errors, load.errors[:5]


def test_the_rate_limit_holds_across_replicas(region: Region) -> None:
    # One person (one address) sends more than the limit; nginx spreads the requests over three
    # replicas, each of which alone would have let LIMIT through.
    transport = httpx.HTTPTransport(local_address="127.0.0.250")
    with httpx.Client(base_url=region.url, transport=transport, timeout=30) as http:
        codes = [http.get("/api/documents").status_code for _ in range(LIMIT + 20)]
        refused = http.get("/api/documents")
    assert codes.count(200) == LIMIT and codes.count(429) == 20, {c: codes.count(c) for c in set(codes)}
    assert int(refused.headers["Retry-After"]) > 0
    # Someone else behind the same proxy is not throttled by them.
    with httpx.Client(base_url=region.url, transport=httpx.HTTPTransport(local_address="127.0.0.251")) as other:
        assert other.get("/api/documents").status_code == 200


def test_feedback_from_every_replica_lands_in_one_database(region: Region) -> None:
    import sqlalchemy

    assert region.postgres is not None
    marker = "region-test"
    for _ in range(6):  # round robin: every replica takes at least one
        r = httpx.post(region.url + "/api/feedback", json={"rating": "up", "comment": marker}, timeout=10)
        assert r.status_code == 201, r.text
    engine = sqlalchemy.create_engine(region.postgres.url)
    with engine.connect() as db:
        count = db.execute(sqlalchemy.text("SELECT count(*) FROM feedback")).scalar_one()
    engine.dispose()
    assert count >= 6


def test_a_killed_replica_loses_only_its_requests_in_flight(region: Region, fake_index: Path,
                                                           index_before: dict[str, str]) -> None:
    killed_at: list[float] = []

    def kill_once(elapsed: float) -> None:
        if elapsed >= 8 and not killed_at:
            region.kill_replica(1)
            killed_at.append(elapsed)

    load = hammer(region.url, CLIENTS, 20, QUESTIONS, during=kill_once)
    print(f"\nregion, replica 2 killed at {killed_at[0]:.1f} s: {load.summary()}")
    assert killed_at
    # At most the requests the dead replica held (one per client), and none once nginx has marked it down.
    assert len(load.errors) <= CLIENTS, load.errors[:5]
    late = [(t, p) for t, p in load.errors if t > killed_at[0] + 2]
    assert not late, late[:5]
    assert httpx.get(region.url + "/healthz", timeout=5).status_code == 200
    # Serving, limiting and a replica's death changed nothing in the index the replicas share.
    assert _hashes(fake_index) == index_before
