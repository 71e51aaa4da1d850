"""Thumbs up/down on answers and citations, kept in SQLite in the data dir.

The question and comment text are personal data in practice (practitioners describe
cases), so they are stored only when the operator sets ``WTGUIDE_STORE_FEEDBACK_TEXT``, and then
only with names, dates of birth, addresses and numbers redacted (rag/safeguard.py); the question's
hash is of the redacted text too.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.safeguard import redact_text
from rag.understand import normalise

SCHEMA = """
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
COLUMNS = ("id", "created", "rating", "target", "doc_id", "paragraph", "citation_id", "question_sha256", "question",
           "comment")


class FeedbackStore:
    def __init__(self, path: Path, store_text: bool = False) -> None:
        self.path = path
        self.store_text = store_text
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # One short connection per call: safe across the threadpool and several workers.
        return sqlite3.connect(self.path, timeout=10)

    def add(self, rating: str, target: str, question: str | None = None, comment: str | None = None,
            doc_id: str | None = None, paragraph: str | None = None, citation_id: int | None = None) -> int:
        # The hash lets an operator group feedback on the same question without keeping its text.
        question = redact_text(normalise(question)) if question else question
        comment = redact_text(normalise(comment)) if comment else comment
        digest = hashlib.sha256(question.strip().encode()).hexdigest() if question else None
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"), rating, target, doc_id, paragraph, citation_id, digest,
            question if self.store_text else None, comment if self.store_text else None,
        )
        with closing(self._connect()) as db, db:
            cur = db.execute(
                "INSERT INTO feedback (created, rating, target, doc_id, paragraph, citation_id, question_sha256, "
                "question, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def rows(self) -> Iterator[dict[str, Any]]:
        with closing(self._connect()) as db:
            for r in db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id"):
                yield dict(zip(COLUMNS, r, strict=True))


def feedback_path(data_dir: Path) -> Path:
    return data_dir / "feedback.sqlite3"
