"""staff e-mail addresses

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06

- ``staff_users.email``: where the one-time set-password link of an invitation or a
  password reset is e-mailed (through the shared e-mail channel); empty for accounts whose
  links an administrator hands over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("email")
