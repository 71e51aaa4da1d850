"""The feedback database: an SQLAlchemy engine for SQLite (default) or PostgreSQL, and its
Alembic migrations (``api/migrations/``), run under a lock so replicas starting together are safe.

SQLite lives at ``data_dir/feedback.sqlite3``; ``WTGUIDE_DATABASE_URL`` points elsewhere,
e.g. ``postgresql+psycopg://wtguide:secret@db.internal/wtguide``.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from wtguide.errors import BadRequest, DatabaseUnavailable
from wtguide.settings import Settings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "wtguide_alembic_version"  # not alembic_version: a shared PostgreSQL may hold another app's
# pg_advisory_xact_lock key that every replica's migration takes first ("wtgu" in ASCII).
MIGRATION_LOCK = 0x77746775


def feedback_path(data_dir: Path) -> Path:
    """The default SQLite file for feedback: ``data_dir/feedback.sqlite3``."""
    return Path(data_dir) / "feedback.sqlite3"


def database_url(settings: Settings) -> URL:
    """``settings.database_url`` parsed (``postgresql://`` and ``postgres://`` mean the psycopg 3
    driver), or SQLite at ``feedback_path(settings.data_dir)`` when it is empty. Raises
    BadRequest naming WTGUIDE_DATABASE_URL when it is not a URL SQLAlchemy can use."""
    if not settings.database_url:
        return make_url(f"sqlite:///{feedback_path(settings.data_dir)}")
    try:
        url = make_url(settings.database_url)
    except ArgumentError as exc:
        raise BadRequest(f"WTGUIDE_DATABASE_URL is not a database URL ({exc})") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def shown(url: URL) -> str:
    """``url`` as it may appear in a log or message: the password masked."""
    return url.render_as_string(hide_password=True)


def make_engine(url: URL | str) -> Engine:
    """An engine for ``url``. SQLite gets real transactions (SQLAlchemy's documented recipe: the
    driver's own BEGIN handling off, ours on), so a migration is one transaction and
    ``BEGIN IMMEDIATE`` can serialise replicas. Raises BadRequest for an unknown driver."""
    url = make_url(url)
    try:
        if url.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:  # ImportError: a driver not installed
        raise BadRequest(f"WTGUIDE_DATABASE_URL names a database this install cannot use ({exc})") from None

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock at once: two migrations cannot both see "no table yet".
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN")

    return engine


def _config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def head() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated). Raises DatabaseUnavailable."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    except SQLAlchemyError as exc:
        raise unavailable(engine, exc) from None


def upgrade(engine: Engine) -> None:
    """Bring the database to ``head()`` in one transaction, holding a lock that makes replicas
    starting at once wait for each other (PostgreSQL: an advisory transaction lock; SQLite:
    BEGIN IMMEDIATE). A database of the schema before migrations (a ``feedback`` table and no
    version table) is upgraded in place. Raises DatabaseUnavailable when it cannot be reached."""
    from alembic import command

    if current(engine) == head():
        return
    try:
        with engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            command.upgrade(_config(conn), "head")
    except SQLAlchemyError as exc:
        raise unavailable(engine, exc) from None
    log.info("feedback database %s is at revision %s", shown(engine.url), head())


def unavailable(engine: Engine, exc: SQLAlchemyError) -> DatabaseUnavailable:
    """``exc`` as a one-line DatabaseUnavailable naming the database (password masked)."""
    detail = str(getattr(exc, "orig", None) or exc).strip()
    reason = detail.splitlines()[0] if detail else type(exc).__name__
    return DatabaseUnavailable(f"the feedback database {shown(engine.url)} is not available: {reason}")
