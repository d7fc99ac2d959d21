"""operations: jobs outbox, journey stages, service levels, consent, channel sends

Revision ID: 0008
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0013"
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


#: The default journey as shipped when this migration was written (``journeys/default.yaml``
#: may change later; a migration must not).
DEFAULT_JOURNEY = """\
# CXM's default customer journey: the five stages of the customer file (pre_sale, sale,
# delivery, after_sale, complaint) plus the post-purchase model of the documents —
# awareness before, use, disposal/return and repurchase after.
name: default
description: Awareness to repurchase, with the customer file's five stages kept.
stages:
  - code: awareness
    label: {en: awareness, zh-CN: 认知}
  - code: pre_sale
    label: {en: pre-sale, zh-CN: 售前}
  - code: sale
    label: {en: sale, zh-CN: 销售}
  - code: delivery
    label: {en: delivery, zh-CN: 交付}
  - code: use
    label: {en: use, zh-CN: 使用}
  - code: after_sale
    label: {en: after-sale, zh-CN: 售后}
  - code: complaint
    label: {en: complaint, zh-CN: 投诉}
  - code: disposal_return
    label: {en: disposal or return, zh-CN: 处置或退货}
  - code: repurchase
    label: {en: repurchase, zh-CN: 再次购买}
touchpoint_types:
  - {code: advertising, stage: awareness, label: {en: advertising, zh-CN: 广告}}
  - {code: enquiry, stage: pre_sale, label: {en: enquiry, zh-CN: 咨询}}
  - {code: order, stage: sale, label: {en: order, zh-CN: 下单}}
  - {code: shipment, stage: delivery, label: {en: shipment, zh-CN: 发货}}
  - {code: installation, stage: delivery, label: {en: installation, zh-CN: 安装}}
  - {code: first_use, stage: use, label: {en: first use, zh-CN: 首次使用}}
  - {code: service_call, stage: after_sale, label: {en: service call, zh-CN: 服务来电}}
  - {code: repair, stage: after_sale, label: {en: repair, zh-CN: 维修}}
  - {code: complaint, stage: complaint, label: {en: complaint, zh-CN: 投诉}}
  - {code: return, stage: disposal_return, label: {en: return, zh-CN: 退货}}
  - {code: reorder, stage: repurchase, label: {en: reorder, zh-CN: 再次下单}}
"""


def _journey() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("loaded_by", sa.String(length=200), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_journeys_name")),
    )
    op.create_table(
        "journey_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", _json(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_stages_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_stages")),
        sa.UniqueConstraint("journey_id", "code", name=op.f("uq_journey_stages_journey_id")),
    )
    op.create_table(
        "journey_touchpoint_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("stage_code", sa.String(length=32), nullable=False),
        sa.Column("label", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_touchpoint_types_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_touchpoint_types")),
        sa.UniqueConstraint(
            "journey_id", "code", name=op.f("uq_journey_touchpoint_types_journey_id")
        ),
    )
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("touchpoint_type", sa.String(length=50), nullable=True))
    _seed_default_journey()


def _seed_default_journey() -> None:
    """Version 1 of the default journey, active. Its stages include the five codes the
    touchpoints table allowed until now, so every recorded touchpoint keeps its stage; a
    code outside them (impossible before this revision) stops the upgrade with its name."""
    from datetime import UTC, datetime

    import yaml

    conn = op.get_bind()
    data = yaml.safe_load(DEFAULT_JOURNEY)
    codes = [s["code"] for s in data["stages"]]
    used = [
        str(c) for c in conn.execute(sa.text("SELECT DISTINCT stage FROM touchpoints")).scalars()
    ]
    unknown = sorted(set(used) - set(codes))
    if unknown:
        raise RuntimeError(f"touchpoints have stage codes outside the default journey: {unknown}")
    now = datetime.now(UTC)
    journeys = sa.table(
        "journeys",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("active", sa.Boolean()),
        sa.column("description", sa.Text()),
        sa.column("source", sa.Text()),
        sa.column("loaded_by", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    stages = sa.table(
        "journey_stages",
        sa.column("journey_id", sa.Integer()),
        sa.column("code", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("label", _json()),
        sa.column("description", sa.Text()),
    )
    types = sa.table(
        "journey_touchpoint_types",
        sa.column("journey_id", sa.Integer()),
        sa.column("code", sa.String()),
        sa.column("stage_code", sa.String()),
        sa.column("label", _json()),
    )
    jid = conn.execute(
        journeys.insert()
        .values(
            name=data["name"],
            version=1,
            active=True,
            description=data.get("description"),
            source=DEFAULT_JOURNEY,
            loaded_by="migration 0008",
            created_at=now,
            updated_at=now,
        )
        .returning(journeys.c.id)
    ).scalar_one()
    conn.execute(
        stages.insert(),
        [
            {
                "journey_id": jid,
                "code": s["code"],
                "position": i,
                "label": s["label"],
                "description": s.get("description"),
            }
            for i, s in enumerate(data["stages"], start=1)
        ],
    )
    conn.execute(
        types.insert(),
        [
            {"journey_id": jid, "code": t["code"], "stage_code": t["stage"], "label": t["label"]}
            for t in data["touchpoint_types"]
        ],
    )


def _consent_and_sends() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email",
                "sms",
                "wecom",
                "phone",
                "post",
                name="consent_channel",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "purpose",
            sa.Enum(
                "survey",
                "marketing",
                "service",
                name="consent_purpose",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_consents_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(
        "ix_consents_customer_channel_purpose",
        "consents",
        ["customer_id", "channel", "purpose"],
        unique=False,
    )
    op.create_table(
        "channel_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "sent",
                "refused",
                "bounced",
                "failed",
                name="send_outcome",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bounced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_channel_sends_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_sends")),
    )
    op.create_index(
        "ix_channel_sends_channel_at", "channel_sends", ["channel", "attempted_at"], unique=False
    )
    op.create_index(
        op.f("ix_channel_sends_customer_id"), "channel_sends", ["customer_id"], unique=False
    )
    op.create_index(
        op.f("ix_channel_sends_message_id"), "channel_sends", ["message_id"], unique=False
    )


def upgrade() -> None:
    _jobs()
    _service_levels()
    _journey()
    _consent_and_sends()


def downgrade() -> None:
    op.drop_table("channel_sends")
    op.drop_table("consents")
    with op.batch_alter_table("touchpoints", schema=None) as batch_op:
        batch_op.drop_column("touchpoint_type")
    op.drop_table("journey_touchpoint_types")
    op.drop_table("journey_stages")
    op.drop_table("journeys")
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
