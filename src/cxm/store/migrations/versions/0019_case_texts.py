"""case texts read on arrival: a text entry knows its case and keeps its analysis

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

- ``text_entries.case_id``: the case whose text or note this is (source ``case``).
- ``text_entries.analysis``: what the text pipeline read when the text arrived (language,
  sentiment, faults, emotion, themes, the masked text); NULL until the worker read it.
- ``text_entries.analysed_at``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    with op.batch_alter_table("text_entries") as batch:
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("analysis", _json(), nullable=True))
        batch.add_column(sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_text_entries_case_id_cases", "cases", ["case_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_text_entries_case_id", ["case_id"])


def downgrade() -> None:
    with op.batch_alter_table("text_entries") as batch:
        batch.drop_index("ix_text_entries_case_id")
        batch.drop_constraint("fk_text_entries_case_id_cases", type_="foreignkey")
        batch.drop_column("analysed_at")
        batch.drop_column("analysis")
        batch.drop_column("case_id")
