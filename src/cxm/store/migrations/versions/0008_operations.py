"""operations: jobs outbox, journey stages, service levels, consent, channel sends

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    from sqlalchemy.dialects.postgresql import JSONB

    return sa.JSON().with_variant(JSONB(), "postgresql")


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "dead",
                name="job_status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("leased_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_jobs_key")),
    )
    op.create_index("ix_jobs_status_run_at", "jobs", ["status", "run_at"], unique=False)


def _service_levels() -> None:
    op.create_table(
        "service_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=True),
        sa.Column("segment", sa.String(length=100), nullable=True),
        sa.Column("key_account", sa.Boolean(), nullable=False),
        sa.Column("cost_to_serve", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("standards", _json(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["segment_definitions.id"],
            name=op.f("fk_service_levels_definition_id_segment_definitions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_levels")),
        sa.UniqueConstraint("name", name=op.f("uq_service_levels_name")),
        sa.UniqueConstraint(
            "definition_id", "segment", name=op.f("uq_service_levels_definition_id")
        ),
    )
    op.create_table(
        "service_level_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_level_id", sa.Integer(), nullable=False),
        sa.Column("case_type", sa.String(length=50), nullable=False),
        sa.Column("first_response_hours", sa.Float(), nullable=False),
        sa.Column("resolution_hours", sa.Float(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_level_id"],
            ["service_levels.id"],
            name=op.f("fk_service_level_clocks_service_level_id_service_levels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_level_clocks")),
        sa.UniqueConstraint(
            "service_level_id", "case_type", name=op.f("uq_service_level_clocks_service_level_id")
        ),
    )
    with op.batch_alter_table("segment_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_level_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_segment_targets_service_level_id_service_levels"),
            "service_levels",
            ["service_level_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _labels_to_service_levels()
    with op.batch_alter_table("segment_targets", schema=None) as batch_op:
        batch_op.drop_column("service_level")


def _labels_to_service_levels() -> None:
    """Each distinct free-text label of the targets becomes a service level (the name is
    its first 100 characters, the whole label its description) with the default clocks of a
    non-key account (24 h first response, 72 h resolution) and no cost."""
    from datetime import UTC, datetime

    conn = op.get_bind()
    now = datetime.now(UTC)
    levels = sa.table(
        "service_levels",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("key_account", sa.Boolean()),
        sa.column("cost_to_serve", sa.Numeric()),
        sa.column("standards", _json()),
        sa.column("description", sa.Text()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    clocks = sa.table(
        "service_level_clocks",
        sa.column("service_level_id", sa.Integer()),
        sa.column("case_type", sa.String()),
        sa.column("first_response_hours", sa.Float()),
        sa.column("resolution_hours", sa.Float()),
        sa.column("business_hours", sa.Boolean()),
    )
    targets = sa.table(
        "segment_targets",
        sa.column("service_level", sa.Text()),
        sa.column("service_level_id", sa.Integer()),
    )
    labels = [
        str(v)
        for v in conn.execute(
            sa.select(targets.c.service_level)
            .where(targets.c.service_level.is_not(None))
            .distinct()
        ).scalars()
        if str(v).strip()
    ]
    ids: dict[str, int] = {}
    for label in sorted(labels):
        name = label.strip()[:100]
        if name not in ids:
            ids[name] = conn.execute(
                levels.insert()
                .values(
                    name=name,
                    key_account=False,
                    cost_to_serve=0,
                    standards={},
                    description=label,
                    created_at=now,
                    updated_at=now,
                )
                .returning(levels.c.id)
            ).scalar_one()
            conn.execute(
                clocks.insert().values(
                    service_level_id=ids[name],
                    case_type="default",
                    first_response_hours=24.0,
                    resolution_hours=72.0,
                    business_hours=False,
                )
            )
        conn.execute(
            targets.update()
            .where(targets.c.service_level == label)
            .values(service_level_id=ids[name])
        )


def upgrade() -> None:
    _jobs()
    _service_levels()


def downgrade() -> None:
    with op.batch_alter_table("segment_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_level", sa.Text(), nullable=True))
    op.execute(
        "UPDATE segment_targets SET service_level = (SELECT name FROM service_levels "
        "WHERE service_levels.id = segment_targets.service_level_id)"
    )
    with op.batch_alter_table("segment_targets", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_segment_targets_service_level_id_service_levels", type_="foreignkey"
        )
        batch_op.drop_column("service_level_id")
    op.drop_table("service_level_clocks")
    op.drop_table("service_levels")
    op.drop_index("ix_jobs_status_run_at", table_name="jobs")
    op.drop_table("jobs")
