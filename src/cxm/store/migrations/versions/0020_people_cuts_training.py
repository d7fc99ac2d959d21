"""employee survey attribute cuts and team codes; trainings

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

- ``employee_survey_waves.attributes``: the declared attributes a wave may be cut by (at
  most three of tenure, role).
- ``employee_survey_tokens.attributes`` / ``employee_survey_responses.attributes``: the
  invitee's coarse bands (e.g. tenure "1-3y"), copied to the answer — still no employee.
- ``employee_survey_tokens.remaining``: NULL for a personal link; for a team code, how
  many answers it still accepts.
- ``trainings``: who took which course when.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _json() -> Any:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("employee_survey_waves") as batch:
        batch.add_column(sa.Column("attributes", _json(), nullable=False, server_default="[]"))
    with op.batch_alter_table("employee_survey_tokens") as batch:
        batch.add_column(sa.Column("attributes", _json(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("remaining", sa.Integer(), nullable=True))
    with op.batch_alter_table("employee_survey_responses") as batch:
        batch.add_column(sa.Column("attributes", _json(), nullable=False, server_default="{}"))
    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_trainings_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trainings")),
        sa.UniqueConstraint("employee_id", "course", "completed_on",
                            name=op.f("uq_trainings_employee_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_trainings_course"), "trainings", ["course"], unique=False)
    op.create_index(op.f("ix_trainings_employee_id"), "trainings", ["employee_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_trainings_employee_id"), table_name="trainings")
    op.drop_index(op.f("ix_trainings_course"), table_name="trainings")
    op.drop_table("trainings")
    with op.batch_alter_table("employee_survey_responses") as batch:
        batch.drop_column("attributes")
    with op.batch_alter_table("employee_survey_tokens") as batch:
        batch.drop_column("remaining")
        batch.drop_column("attributes")
    with op.batch_alter_table("employee_survey_waves") as batch:
        batch.drop_column("attributes")
