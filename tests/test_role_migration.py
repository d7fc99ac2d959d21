"""Migration 0007 keeps today's admin, analyst and agent: admins and analysts reach the
whole company, agents their own team; going back maps the new roles to the nearest old one."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from cxm.store import Store
from cxm.store.migrate import alembic_config, current_revisions


def _users(store: Store) -> dict[str, tuple[str, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM staff_users ORDER BY name")).mappings().all()
    return {r["name"]: (r["role"], r.get("scope")) for r in rows}


def test_todays_roles_are_mapped(store: Store) -> None:
    cfg = alembic_config(store.engine)
    command.downgrade(cfg, "0006")
    assert current_revisions(store.engine) == {"0006"}
    with store.engine.begin() as conn:
        for name, role in (("alice", "admin"), ("bob", "analyst"), ("carol", "agent")):
            conn.execute(
                text(
                    "INSERT INTO staff_users (name, role, password_hash, active, created_at, "
                    "updated_at) VALUES (:n, :r, 'x', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"n": name, "r": role},
            )
    command.upgrade(cfg, "0007")
    assert _users(store) == {
        "alice": ("admin", "all"),
        "bob": ("analyst", "all"),
        "carol": ("agent", "team"),
    }
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE staff_users SET role = 'lead' WHERE name = 'carol'"))
    command.downgrade(cfg, "0006")
    assert _users(store) == {
        "alice": ("admin", None),
        "bob": ("analyst", None),
        "carol": ("agent", None),
    }
    command.upgrade(cfg, "heads")
