"""organisation, roles with scopes, audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

- ``org_units`` (company → region → branch), teams under a unit with a lead and sub-teams,
  employees with job, hire and leave dates and an optional staff account, and
  ``customer_assignments`` (the team and relationship manager serving a customer, dated).
- Staff users get a scope, a team and an org unit. Today's roles keep their names (admin,
  analyst, agent); admins and analysts reach the whole company, agents their own team.
- ``audit_log``: append-only, people by id only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLES = ("admin", "manager", "analyst", "lead", "agent", "viewer", "shopper")
SCOPES = ("own", "team", "teams_led", "unit", "all")


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "org_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", _enum("org_unit_kind", ("company", "region", "branch", "department")),
                  nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["org_units.id"],
                                name=op.f("fk_org_units_parent_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
    )  # fmt: skip
    op.create_index(op.f("ix_org_units_parent_id"), "org_units", ["parent_id"], unique=False)

    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=_enum("staff_role", ("admin", "analyst", "agent")),
            type_=_enum("staff_role", ROLES),
            existing_nullable=False,
        )
        batch_op.add_column(
            sa.Column("scope", _enum("staff_scope", SCOPES), nullable=False, server_default="all")
        )
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_users_team_id_teams"), "teams", ["team_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_users_unit_id_org_units"), "org_units", ["unit_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_staff_users_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_users_unit_id"), ["unit_id"], unique=False)
    # Today's agents worked their own team's customers: keep them to it.
    op.execute("UPDATE staff_users SET scope = 'team' WHERE role = 'agent'")

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_teams_unit_id_org_units"), "org_units", ["unit_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_teams_parent_id_teams"), "teams", ["parent_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_teams_lead_id_employees", "employees", ["lead_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_teams_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_lead_id"), ["lead_id"], unique=False)

    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("job", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("hired_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("left_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("staff_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_employees_unit_id_org_units"), "org_units", ["unit_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_employees_staff_user_id_staff_users"),
            "staff_users",
            ["staff_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_employees_unit_id"), ["unit_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_employees_staff_user_id"), ["staff_user_id"]
        )

    op.create_table(
        "customer_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name=op.f("fk_customer_assignments_customer_id_customers")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"],
                                name=op.f("fk_customer_assignments_team_id_teams")),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"],
                                name=op.f("fk_customer_assignments_employee_id_employees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_assignments")),
    )  # fmt: skip
    op.create_index(
        "ix_customer_assignments_customer_start",
        "customer_assignments",
        ["customer_id", "starts_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_customer_assignments_team_id"), "customer_assignments", ["team_id"], unique=False
    )
    op.create_index(
        op.f("ix_customer_assignments_employee_id"),
        "customer_assignments",
        ["employee_id"],
        unique=False,
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("before", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                  nullable=True),
        sa.Column("after", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                  nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )  # fmt: skip
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"], unique=False)
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("customer_assignments")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_employees_staff_user_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_employees_unit_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_employees_staff_user_id_staff_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_employees_unit_id_org_units"), type_="foreignkey")
        for column in ("staff_user_id", "left_on", "hired_on", "job", "unit_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_lead_id"))
        batch_op.drop_index(batch_op.f("ix_teams_parent_id"))
        batch_op.drop_index(batch_op.f("ix_teams_unit_id"))
        batch_op.drop_constraint("fk_teams_lead_id_employees", type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_teams_parent_id_teams"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_teams_unit_id_org_units"), type_="foreignkey")
        for column in ("lead_id", "parent_id", "unit_id"):
            batch_op.drop_column(column)
    # Roles that did not exist before become the nearest old one; scopes are dropped.
    op.execute(
        "UPDATE staff_users SET role = CASE role WHEN 'manager' THEN 'analyst' "
        "WHEN 'lead' THEN 'agent' WHEN 'viewer' THEN 'agent' WHEN 'shopper' THEN 'agent' "
        "ELSE role END"
    )
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_users_unit_id"))
        batch_op.drop_index(batch_op.f("ix_staff_users_team_id"))
        batch_op.drop_constraint(batch_op.f("fk_staff_users_unit_id_org_units"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_staff_users_team_id_teams"), type_="foreignkey")
        for column in ("unit_id", "team_id", "scope"):
            batch_op.drop_column(column)
        batch_op.alter_column(
            "role",
            existing_type=_enum("staff_role", ROLES),
            type_=_enum("staff_role", ("admin", "analyst", "agent")),
            existing_nullable=False,
        )
    op.drop_index(op.f("ix_org_units_parent_id"), table_name="org_units")
    op.drop_table("org_units")
