"""employee surveys, stored anonymously

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-06

- ``employee_survey_waves``: waves of an employee questionnaire (a frozen version).
- ``employee_survey_invitees``: who was invited (no token, nothing linking to a response).
- ``employee_survey_tokens``: single-use links as SHA-256 with the invitee's team and a
  ``used`` flag only — no employee, no times.
- ``employee_survey_responses``: answers with team, wave and date (no time, no token, no
  employee).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "employee_survey_waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"], ["survey_questionnaires.id"],
            name=op.f("fk_employee_survey_waves_questionnaire_id_survey_questionnaires"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["survey_questionnaire_versions.id"],
            name=op.f("fk_employee_survey_waves_version_id_survey_questionnaire_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_survey_waves")),
        sa.UniqueConstraint("name", name=op.f("uq_employee_survey_waves_name")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_employee_survey_waves_questionnaire_id"),
        "employee_survey_waves",
        ["questionnaire_id"],
        unique=False,
    )
    op.create_table(
        "employee_survey_invitees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"],
            name=op.f("fk_employee_survey_invitees_employee_id_employees"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["employee_survey_waves.id"],
            name=op.f("fk_employee_survey_invitees_wave_id_employee_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_survey_invitees")),
        sa.UniqueConstraint(
            "wave_id", "employee_id", name=op.f("uq_employee_survey_invitees_wave_id")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_employee_survey_invitees_wave_id"),
        "employee_survey_invitees",
        ["wave_id"],
        unique=False,
    )
    op.create_table(
        "employee_survey_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_employee_survey_tokens_team_id_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["employee_survey_waves.id"],
            name=op.f("fk_employee_survey_tokens_wave_id_employee_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_survey_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_employee_survey_tokens_token_hash")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_employee_survey_tokens_wave_id"),
        "employee_survey_tokens",
        ["wave_id"],
        unique=False,
    )
    op.create_table(
        "employee_survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answers", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_employee_survey_responses_team_id_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["employee_survey_waves.id"],
            name=op.f("fk_employee_survey_responses_wave_id_employee_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee_survey_responses")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_employee_survey_responses_team_id"),
        "employee_survey_responses",
        ["team_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_employee_survey_responses_wave_id"),
        "employee_survey_responses",
        ["wave_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("employee_survey_responses")
    op.drop_table("employee_survey_tokens")
    op.drop_table("employee_survey_invitees")
    op.drop_table("employee_survey_waves")
