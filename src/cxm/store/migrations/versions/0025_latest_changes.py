"""indexes on the update times that kept results compare

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06

A page that keeps a slow analysis (the dashboard, the people and text workspaces, the
targets' proposals) asks before each use whether the data it read have changed: the largest
id and update time of each table it reads (:mod:`cxm.store.changes`). With these indexes
each such question is one index lookup instead of a scan of the whole table (a second and
more per page at a million customers).
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_customers_updated_at", "customers"),
    ("ix_survey_responses_updated_at", "survey_responses"),
    ("ix_cases_updated_at", "cases"),
    ("ix_customer_assignments_updated_at", "customer_assignments"),
    ("ix_text_entries_updated_at", "text_entries"),
)


def upgrade() -> None:
    for name, table in _INDEXES:
        op.create_index(name, table, ["updated_at"])


def downgrade() -> None:
    for name, table in _INDEXES:
        op.drop_index(name, table_name=table)
