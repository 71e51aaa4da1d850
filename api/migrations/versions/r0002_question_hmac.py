"""The question's key becomes an HMAC-SHA256 keyed with the install's secret
(``question_hmac``). The unsalted SHA-256 values are dropped, not converted: the question
they were made from is not kept, and anyone could confirm a guessed question against them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot drop a column everywhere: batch mode copies the table (keeping AUTOINCREMENT).
    with op.batch_alter_table("feedback", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("question_sha256")
        batch.add_column(sa.Column("question_hmac", sa.String(64)))
        batch.create_index("ix_feedback_question_hmac", ["question_hmac"])


def downgrade() -> None:
    with op.batch_alter_table("feedback", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index("ix_feedback_question_hmac")
        batch.drop_column("question_hmac")
        batch.add_column(sa.Column("question_sha256", sa.Text))
