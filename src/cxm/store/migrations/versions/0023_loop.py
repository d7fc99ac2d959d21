"""answers by completion time, for the closed loop's sweep

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

- ``ix_survey_responses_completed_at``: the sweep reads the answers completed since its
  last pass (``completed_at`` in a window of about an hour) every minute; without this
  index that was a scan of every response ever saved.
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_survey_responses_completed_at", "survey_responses", ["completed_at"])


def downgrade() -> None:
    op.drop_index("ix_survey_responses_completed_at", table_name="survey_responses")
