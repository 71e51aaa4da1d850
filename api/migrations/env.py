"""Alembic's environment for the feedback database. ``api.db.upgrade`` hands in a connection
that already holds the migration lock and an open transaction; run on its own (an Alembic
command with this script location), it connects to the database the settings name."""

from __future__ import annotations

from alembic import context

from api.db import VERSION_TABLE, database_url, make_engine
from wtguide.settings import get_settings


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, version_table=VERSION_TABLE, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url(get_settings()))
    with engine.connect() as conn:
        context.configure(connection=conn, version_table=VERSION_TABLE, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
