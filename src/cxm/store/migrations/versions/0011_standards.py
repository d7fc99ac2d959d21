"""service standards: standards, measurable fields, record values, mystery shopping, defects

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import cxm.store.base

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "standards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.Text(), nullable=True),
        sa.Column("applies", sa.Text(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standards")),
        sa.UniqueConstraint("code", name=op.f("uq_standards_code")),
    )
    op.create_index(op.f("ix_standards_stage"), "standards", ["stage"], unique=False)
    op.create_table(
        "standard_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_fields")),
        sa.UniqueConstraint("source", "name", name="uq_standard_fields_source_name"),
    )
    op.create_table(
        "standard_record_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("values", cxm.store.base.json_type(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_record_fields")),
        sa.UniqueConstraint("source", "record_id", name="uq_standard_record_fields_source_record"),
    )
    op.create_table(
        "shopping_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("shopper", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopping_visits")),
    )
    op.create_index(
        op.f("ix_shopping_visits_visited_at"), "shopping_visits", ["visited_at"], unique=False
    )
    op.create_table(
        "shopping_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["standard_id"],
            ["standards.id"],
            name=op.f("fk_shopping_answers_standard_id_standards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["shopping_visits.id"],
            name=op.f("fk_shopping_answers_visit_id_shopping_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopping_answers")),
        sa.UniqueConstraint("visit_id", "standard_id", name="uq_shopping_answers_visit_standard"),
    )
    op.create_index(
        op.f("ix_shopping_answers_standard_id"), "shopping_answers", ["standard_id"], unique=False
    )
    op.create_table(
        "standard_defects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("opportunities", sa.Integer(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=False),
        sa.Column("weighted_defects", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["standard_id"],
            ["standards.id"],
            name=op.f("fk_standard_defects_standard_id_standards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_defects")),
    )
    op.create_index(
        "ix_standard_defects_standard_period",
        "standard_defects",
        ["standard_id", "period"],
        unique=False,
    )

    op.create_table(
        "improvement_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("problem_kind", sa.String(length=16), nullable=False),
        sa.Column("problem_ref", sa.String(length=100), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("test", sa.String(length=20), nullable=False),
        sa.Column("lower_is_better", sa.Boolean(), nullable=False),
        sa.Column("baseline_start", sa.Date(), nullable=False),
        sa.Column("baseline_end", sa.Date(), nullable=False),
        sa.Column("after_start", sa.Date(), nullable=False),
        sa.Column("after_end", sa.Date(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", cxm.store.base.json_type(), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_projects")),
        sa.UniqueConstraint("name", name=op.f("uq_improvement_projects_name")),
    )
    extra: tuple[tuple[str, list[sa.Column[Any]]], ...] = (
        (
            "project_changes",
            [
                sa.Column("setting", sa.String(length=40), nullable=False),
                sa.Column("old_value", sa.Text(), nullable=True),
                sa.Column("new_value", sa.Text(), nullable=True),
                sa.Column("reason", sa.Text(), nullable=False),
                sa.Column("changed_by", sa.String(length=200), nullable=True),
                sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
            ],
        ),
        (
            "project_recognitions",
            [
                sa.Column("person", sa.String(length=200), nullable=False),
                sa.Column("reason", sa.Text(), nullable=False),
                sa.Column("awarded_on", sa.Date(), nullable=False),
            ],
        ),
    )
    for table, columns in extra:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("project_id", sa.Integer(), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(
                ["project_id"],
                ["improvement_projects.id"],
                name=op.f(f"fk_{table}_project_id_improvement_projects"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_project_id"), table, ["project_id"], unique=False)

    op.create_table(
        "standard_chart_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("standard_id", sa.Integer(), nullable=False),
        sa.Column("limits", cxm.store.base.json_type(), nullable=False),
        sa.Column("base_from", sa.String(length=7), nullable=False),
        sa.Column("base_to", sa.String(length=7), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["standard_id"],
            ["standards.id"],
            name=op.f("fk_standard_chart_limits_standard_id_standards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_chart_limits")),
        sa.UniqueConstraint("standard_id", name=op.f("uq_standard_chart_limits_standard_id")),
    )


def downgrade() -> None:
    op.drop_table("standard_chart_limits")
    for table in ("project_recognitions", "project_changes"):
        op.drop_index(op.f(f"ix_{table}_project_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("improvement_projects")
    op.drop_index("ix_standard_defects_standard_period", table_name="standard_defects")
    op.drop_table("standard_defects")
    op.drop_index(op.f("ix_shopping_answers_standard_id"), table_name="shopping_answers")
    op.drop_table("shopping_answers")
    op.drop_index(op.f("ix_shopping_visits_visited_at"), table_name="shopping_visits")
    op.drop_table("shopping_visits")
    op.drop_table("standard_record_fields")
    op.drop_table("standard_fields")
    op.drop_index(op.f("ix_standards_stage"), table_name="standards")
    op.drop_table("standards")
