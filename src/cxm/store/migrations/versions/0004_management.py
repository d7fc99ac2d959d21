"""differentiated management: segment definitions, memberships over time, targets

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cxm.store.base

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "segment_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("pareto", "rfm", "rule", name="segment_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("parameters", cxm.store.base.json_type(), nullable=False),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_definitions")),
        sa.UniqueConstraint("name", name=op.f("uq_segment_definitions_name")),
    )
    op.create_table(
        "segment_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_segment_memberships_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["segment_definitions.id"],
            name=op.f("fk_segment_memberships_definition_id_segment_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_memberships")),
    )
    with op.batch_alter_table("segment_memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_memberships_customer", ["customer_id", "valid_from"], unique=False
        )
        batch_op.create_index(
            "ix_segment_memberships_definition_open", ["definition_id", "valid_to"], unique=False
        )
    op.create_table(
        "segment_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("kpi", sa.String(length=32), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("service_level", sa.Text(), nullable=True),
        sa.Column("set_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["segment_definitions.id"],
            name=op.f("fk_segment_targets_definition_id_segment_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_targets")),
    )
    with op.batch_alter_table("segment_targets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_targets_definition_kpi", ["definition_id", "kpi"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("segment_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_targets_definition_kpi")
    op.drop_table("segment_targets")
    with op.batch_alter_table("segment_memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_memberships_definition_open")
        batch_op.drop_index("ix_segment_memberships_customer")
    op.drop_table("segment_memberships")
    op.drop_table("segment_definitions")
