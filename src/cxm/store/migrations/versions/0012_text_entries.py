"""text entries: complaint logs, transcripts, touchpoint notes and visit reports with staff coding

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cxm.store.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "complaint_log",
                "call_transcript",
                "touchpoint_note",
                "visit_report",
                "case",
                name="text_source",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("staff_labels", cxm.store.base.json_type(), nullable=True),
        sa.Column("coded_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_text_entries_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_text_entries_touchpoint_id_touchpoints"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_entries")),
    )
    with op.batch_alter_table("text_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_text_entries_customer_time", ["customer_id", "occurred_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("text_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_text_entries_customer_time")
    op.drop_table("text_entries")
