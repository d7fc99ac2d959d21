"""merge the three domain branches (surveys, accounts, management) into one line

Revision ID: 0005
Revises: 0002, 0003, 0004
Create Date: 2026-12-02

The surveys, accounts and management schemas were written side by side, each on top of
0001. From here on the history is one line again: a new migration revises ``0005`` (or its
successor), so ``alembic heads`` shows exactly one head.
"""

from __future__ import annotations

revision = "0005"
down_revision = ("0002", "0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to change: the merge only joins the branches."""
