"""Thumbs up/down on answers and citations, kept in the feedback database (api/db.py: SQLite in
the data dir, or PostgreSQL).

The question and comment text are personal data in practice (practitioners describe
cases), so they are stored only when the operator sets ``WTGUIDE_STORE_FEEDBACK_TEXT``, and then
only with names, dates of birth, addresses and numbers redacted (rag/safeguard.py). Each row keeps
an HMAC-SHA256 of the redacted question keyed with the install's secret, so an operator can group
feedback on the same question, but nobody without the secret can confirm a guessed question.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from api import db
from api.db import feedback_path
from rag.safeguard import redact_text
from rag.understand import normalise
from wtguide.errors import DatabaseUnavailable
from wtguide.settings import Settings

__all__ = ["COLUMNS", "FeedbackStore", "feedback_path"]
log = logging.getLogger(__name__)

# The schema as the newest migration (api/migrations/versions/) leaves it.
metadata = MetaData()
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("doc_id", Text),
    Column("paragraph", Text),
    Column("citation_id", Integer),
    Column("question", Text),
    Column("comment", Text),
    Column("question_hmac", String(64), index=True),
    sqlite_autoincrement=True,
)
COLUMNS = ("id", "created", "rating", "target", "doc_id", "paragraph", "citation_id", "question_hmac", "question",
           "comment")


class FeedbackStore:
    """Feedback rows in the database at ``where`` (a SQLite file path, or an SQLAlchemy URL).

    ``secret`` keys the question HMAC (bytes, or a function giving them on first need); without
    one, no question key is kept. ``migrate``: bring
    the schema up to date on first use (else a schema that is behind is DatabaseUnavailable).
    Connecting is lazy: a database that is down at start-up is tried again on the next call.
    """

    def __init__(self, where: Path | str | URL, store_text: bool = False,
                 secret: bytes | Callable[[], bytes] | None = None, migrate: bool = True) -> None:
        if isinstance(where, URL) or "://" in str(where):
            url = make_url(where if isinstance(where, URL) else str(where))
        else:
            url = make_url(f"sqlite:///{where}")
        self.engine: Engine = db.make_engine(url)
        self.store_text = store_text
        self.secret = secret
        self.migrate = migrate
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        """The store the settings describe (WTGUIDE_DATABASE_URL or data_dir/feedback.sqlite3),
        keyed with the install's secret. Raises BadRequest for a database URL that cannot be used."""
        from wtguide.secret import install_secret

        # The secret is read (or created) only when a question is first keyed.
        return cls(db.database_url(settings), store_text=settings.store_feedback_text,
                   secret=lambda: install_secret(settings), migrate=settings.database_migrate)

    def prepare(self) -> None:
        """Migrate (or, with ``migrate`` off, check) the schema once. Raises DatabaseUnavailable."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            if self.migrate:
                db.upgrade(self.engine)
            else:
                at = db.current(self.engine)
                if at != db.head():
                    raise DatabaseUnavailable(
                        f"the feedback database {db.shown(self.engine.url)} is at revision {at or 'none'}, "
                        f"not {db.head()}: run 'wtguide db upgrade'")
            self._ready = True

    def question_key(self, question: str) -> str | None:
        """HMAC-SHA256 (hex) of the normalised, redacted ``question`` under the secret."""
        if callable(self.secret):
            self.secret = self.secret()
        if not self.secret:
            return None
        return hmac.new(self.secret, question.strip().encode(), hashlib.sha256).hexdigest()

    def add(self, rating: str, target: str, question: str | None = None, comment: str | None = None,
            doc_id: str | None = None, paragraph: str | None = None, citation_id: int | None = None) -> int:
        """Record one rating; returns the new row's id. Text is redacted first and kept only when
        ``store_text``. Raises DatabaseUnavailable when the database cannot take it."""
        self.prepare()
        question = redact_text(normalise(question)) if question else question
        comment = redact_text(normalise(comment)) if comment else comment
        row = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"), "rating": rating, "target": target,
            "doc_id": doc_id, "paragraph": paragraph, "citation_id": citation_id,
            "question_hmac": self.question_key(question) if question else None,
            "question": question if self.store_text else None, "comment": comment if self.store_text else None,
        }
        try:
            with self.engine.begin() as conn:
                key = conn.execute(insert(feedback).values(**row).returning(feedback.c.id)).scalar_one()
        except SQLAlchemyError as exc:
            raise db.unavailable(self.engine, exc) from None
        return int(key)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, oldest first, as a dict keyed by ``COLUMNS``. Raises DatabaseUnavailable."""
        self.prepare()
        query = select(*(feedback.c[name] for name in COLUMNS)).order_by(feedback.c.id)
        try:
            with self.engine.connect() as conn:
                found = [dict(r._mapping) for r in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise db.unavailable(self.engine, exc) from None
        yield from found
