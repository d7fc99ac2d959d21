"""the per-customer table computed on an engine

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

- ``customer_aggregates``: one row per customer, the per-customer aggregation
  (``cxm compute customers``) as computed on the store, DuckDB or Spark and written back:
  purchase dates and counts, money in integer cents, day counts, the date it is as of,
  the engine and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_aggregates",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_purchase", sa.Date(), nullable=False),
        sa.Column("last_purchase", sa.Date(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("purchase_days", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("profit_cents", sa.BigInteger(), nullable=False),
        sa.Column("first_day_profit_cents", sa.BigInteger(), nullable=False),
        sa.Column("span_days", sa.Integer(), nullable=False),
        sa.Column("observed_days", sa.Integer(), nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )


def downgrade() -> None:
    op.drop_table("customer_aggregates")
