"""service design: process steps, target overrides, prospects

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

- ``journey_steps``: the process steps of each journey stage with the flow-chart answers
  (owner, team, blocking rule, redundancy, parallel step, inconsistency, automation).
- ``segment_targets``: ``proposed_value`` and ``proposal_rule`` (what ``targets propose
  --save`` proposed) and ``override_reason`` (why a manager set another value).
- ``prospects``: people who are not customers yet (a prospect list import), and
  ``survey_invitations.prospect_id`` so a wave can invite them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "journey_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("touchpoint_type", sa.String(length=50), nullable=True),
        sa.Column("standards", _json(), nullable=False),
        sa.Column("blocking_rule", sa.Text(), nullable=True),
        sa.Column("redundant", sa.Text(), nullable=True),
        sa.Column("parallel_with", sa.String(length=40), nullable=True),
        sa.Column("inconsistency", sa.Text(), nullable=True),
        sa.Column("automation", sa.Text(), nullable=True),
        sa.Column("max_wait_hours", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_steps")),
        sa.UniqueConstraint("code", name=op.f("uq_journey_steps_code")),
    )
    op.create_index(op.f("ix_journey_steps_stage"), "journey_steps", ["stage"], unique=False)
    with op.batch_alter_table("segment_targets") as batch:
        batch.add_column(sa.Column("proposed_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("proposal_rule", sa.Text(), nullable=True))
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("competitor", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
        sa.UniqueConstraint("external_id", name=op.f("uq_prospects_external_id")),
    )
    with op.batch_alter_table("survey_invitations") as batch:
        batch.add_column(sa.Column("prospect_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_survey_invitations_prospect_id_prospects"),
            "prospects",
            ["prospect_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_survey_invitations_prospect_id"), ["prospect_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations") as batch:
        batch.drop_index(op.f("ix_survey_invitations_prospect_id"))
        batch.drop_constraint(
            op.f("fk_survey_invitations_prospect_id_prospects"), type_="foreignkey"
        )
        batch.drop_column("prospect_id")
    op.drop_table("prospects")
    with op.batch_alter_table("segment_targets") as batch:
        batch.drop_column("override_reason")
        batch.drop_column("proposal_rule")
        batch.drop_column("proposed_value")
    op.drop_index(op.f("ix_journey_steps_stage"), table_name="journey_steps")
    op.drop_table("journey_steps")
