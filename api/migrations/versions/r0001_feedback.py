"""The feedback table as it was before migrations (api/feedback.py created it with
CREATE TABLE IF NOT EXISTS): created when missing, left as it is when a database of that
schema is being brought under Alembic.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("feedback"):
        return
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("rating", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("doc_id", sa.Text),
        sa.Column("paragraph", sa.Text),
        sa.Column("citation_id", sa.Integer),
        sa.Column("question_sha256", sa.Text),
        sa.Column("question", sa.Text),
        sa.Column("comment", sa.Text),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("feedback")
