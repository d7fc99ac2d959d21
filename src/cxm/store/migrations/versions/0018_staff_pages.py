"""staff workspace: customer search indexes, interviewer-entered responses, closed waves

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

- ``customers``: indexes on ``name``, ``phone`` and ``email`` so that the staff search
  (``/staff/customers``) answers by index at a million customers (name by prefix range).
- ``survey_responses.interviewer_id``: the staff user who entered a phone interview's
  answers on the customer's behalf (``source = "interview"``); NULL for self-completed.
- ``survey_waves.closed_at``: when a wave was closed early from the workspace.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_name", ["name"], unique=False)
        batch_op.create_index("ix_customers_phone", ["phone"], unique=False)
        batch_op.create_index("ix_customers_email", ["email"], unique=False)
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interviewer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_survey_responses_interviewer_id_staff_users",
            "staff_users",
            ["interviewer_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("survey_waves", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_waves", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_survey_responses_interviewer_id_staff_users", type_="foreignkey"
        )
        batch_op.drop_column("interviewer_id")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_email")
        batch_op.drop_index("ix_customers_phone")
        batch_op.drop_index("ix_customers_name")
