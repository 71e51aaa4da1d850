"""The feedback store on SQLite and on a real PostgreSQL (started by the test), its Alembic
migrations (an old database upgraded in place, replicas migrating at once), and the keyed
question hash."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from api import db
from api.feedback import COLUMNS, FeedbackStore
from benchmarks.region import Missing, Postgres, free_port
from wtguide.errors import DatabaseUnavailable, WtguideError
from wtguide.settings import Settings

QUESTION = "What is early help?"
# The schema api/feedback.py created before migrations existed.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating TEXT NOT NULL,
    target TEXT NOT NULL,
    doc_id TEXT,
    paragraph TEXT,
    citation_id INTEGER,
    question_sha256 TEXT,
    question TEXT,
    comment TEXT
)
"""


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL on 127.0.0.1 (benchmarks/region.py, about a second to start); yields
    a base URL without a database name."""
    try:
        server = Postgres()
    except Missing as exc:
        pytest.skip(str(exc))
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace').strip()[:200]}")
    try:
        yield server.server_url
    finally:
        server.close()


_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty feedback database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    base = request.getfixturevalue("postgres")
    name = f"feedback_{os.getpid()}_{next(_names)}"
    import psycopg

    with psycopg.connect(f"{base.replace('+psycopg', '')}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def test_add_and_rows_round_trip(db_url: str) -> None:
    store = FeedbackStore(db_url, secret=b"k")
    first = store.add("up", "answer", question="What is early help?", comment="useful")
    second = store.add("down", "citation", doc_id="wt2023", paragraph="10", citation_id=2)
    rows = list(store.rows())
    assert [r["id"] for r in rows] == [first, second] and first < second
    assert tuple(rows[0]) == COLUMNS
    assert (rows[1]["rating"], rows[1]["target"], rows[1]["doc_id"], rows[1]["paragraph"], rows[1]["citation_id"]) == (
        "down", "citation", "wt2023", "10", 2)
    assert rows[0]["question"] is None and rows[0]["comment"] is None  # text is off by default
    assert rows[1]["question_hmac"] is None


def test_text_is_redacted_when_kept(db_url: str) -> None:
    store = FeedbackStore(db_url, store_text=True, secret=b"k")
    store.add("up", "answer", question="a girl called Amira Khan said", comment="ring 07700 900456")
    row = next(store.rows())
    assert row["question"] == "a girl called [name] said" and row["comment"] == "ring [phone number]"


def test_question_key_is_an_hmac_under_the_install_secret(db_url: str) -> None:
    """Fault: an unsalted SHA-256 let anyone confirm a guessed question against the table."""
    question = "What is early help?"
    FeedbackStore(db_url, secret=b"secret-one").add("up", "answer", question=question)
    FeedbackStore(db_url, secret=b"secret-two").add("up", "answer", question=question)
    keys = [r["question_hmac"] for r in FeedbackStore(db_url, secret=b"x").rows()]
    assert keys[0] == hmac.new(b"secret-one", question.encode(), hashlib.sha256).hexdigest()
    assert keys[1] != keys[0], "another install's secret must give another key"
    assert hashlib.sha256(question.encode()).hexdigest() not in keys


def test_replicas_migrating_at_once_all_succeed(db_url: str) -> None:
    stores = [FeedbackStore(db_url, secret=b"k") for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(stores))

    def run(store: FeedbackStore) -> None:
        start.wait()
        try:
            store.add("up", "answer")
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    # Daemon threads with a deadline: migrations that deadlock fail the test instead of hanging it.
    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "migrations deadlocked"
    assert not errors, errors
    assert len(list(stores[0].rows())) == 4
    assert db.current(stores[0].engine) == db.head()


def test_migrate_off_refuses_a_database_that_is_behind(db_url: str) -> None:
    store = FeedbackStore(db_url, migrate=False)
    with pytest.raises(DatabaseUnavailable, match="run 'wtguide db upgrade'"):
        store.add("up", "answer")
    db.upgrade(store.engine)
    assert store.add("up", "answer") == 1


def test_an_old_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(OLD_SCHEMA)
        old.execute("INSERT INTO feedback (created, rating, target, doc_id, paragraph, citation_id, question_sha256, "
                    "question, comment) VALUES ('2026-01-02T03:04:05+00:00', 'down', 'citation', 'wt2023', '10', 1, "
                    "?, 'What is early help?', 'wrong paragraph')",
                    (hashlib.sha256(b"What is early help?").hexdigest(),))
    old.close()
    store = FeedbackStore(path, secret=b"k")
    rows = list(store.rows())
    assert rows == [{"id": 1, "created": "2026-01-02T03:04:05+00:00", "rating": "down", "target": "citation",
                     "doc_id": "wt2023", "paragraph": "10", "citation_id": 1, "question_hmac": None,
                     "question": "What is early help?", "comment": "wrong paragraph"}]
    columns = {c["name"] for c in inspect(store.engine).get_columns("feedback")}
    assert "question_sha256" not in columns and "question_hmac" in columns
    assert store.add("up", "answer") == 2  # ids carry on after the kept rows


def test_an_unreachable_database_is_a_one_line_503(tmp_path: Path) -> None:
    store = FeedbackStore(f"postgresql+psycopg://wtguide:hunter2@127.0.0.1:{free_port()}/nowhere")
    with pytest.raises(DatabaseUnavailable) as err:
        store.add("up", "answer")
    message = str(err.value)
    assert err.value.http_status == 503 and "\n" not in message
    assert "is not available" in message and "hunter2" not in message and "***" in message


@pytest.mark.parametrize(("value", "driver"), [
    ("", "sqlite"), ("postgresql://u@h/d", "postgresql+psycopg"), ("postgres://u@h/d", "postgresql+psycopg"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg"),
])
def test_database_url_from_settings(tmp_path: Path, value: str, driver: str) -> None:
    url = db.database_url(Settings(data_dir=tmp_path, database_url=value, _env_file=None))  # type: ignore[call-arg]
    assert url.drivername == driver
    if not value:
        assert url.database == str(tmp_path / "feedback.sqlite3")


@pytest.mark.parametrize("value", ["not a url", "nosuchdb://x/y"])
def test_a_bad_database_url_is_a_one_line_error(tmp_path: Path, value: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=value, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(WtguideError, match="WTGUIDE_DATABASE_URL"):
        FeedbackStore.from_settings(settings)


def test_store_from_settings_makes_the_secret_only_to_key_a_question(tmp_path: Path) -> None:
    store = FeedbackStore.from_settings(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    store.add("up", "answer")
    assert not (tmp_path / "secret.key").exists()
    store.add("up", "answer", question=QUESTION)
    key = (tmp_path / "secret.key").read_bytes().strip()
    assert list(store.rows())[1]["question_hmac"] == hmac.new(key, QUESTION.encode(), hashlib.sha256).hexdigest()


def test_store_from_settings_keys_with_the_install_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="abc", _env_file=None)  # type: ignore[call-arg]
    FeedbackStore.from_settings(settings).add("up", "answer", question="What is early help?")
    row = next(FeedbackStore.from_settings(settings).rows())
    assert row["question_hmac"] == hmac.new(b"abc", b"What is early help?", hashlib.sha256).hexdigest()
    assert (tmp_path / "feedback.sqlite3").exists()


def test_cli_db_upgrade_and_current(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    cli_env: Callable[..., Settings]) -> None:
    from wtguide.cli import main

    cli_env(data_dir=tmp_path)
    assert main(["db", "current"]) == 0
    assert "not migrated" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"at revision {db.head()}" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert db.head() in capsys.readouterr().out
