"""Migrations 0016 (employee-survey tables) and 0020 (attribute bands, team codes,
trainings) add their tables and columns and take them away again."""

from __future__ import annotations

from alembic import command

from cxm.store import Store
from cxm.store.migrate import alembic_config, current_revisions, head_revisions, upgrade

TABLES = {
    "employee_survey_waves",
    "employee_survey_invitees",
    "employee_survey_tokens",
    "employee_survey_responses",
    "trainings",
}


def test_down_and_up_again(store: Store) -> None:
    assert set(store.table_names()) >= TABLES
    command.downgrade(alembic_config(store.engine), "0007")
    assert current_revisions(store.engine) == {"0007"}
    assert not TABLES & set(store.table_names())
    upgrade(store.engine)
    assert current_revisions(store.engine) == head_revisions(store.engine)
    assert set(store.table_names()) >= TABLES


def test_0020_down_to_0019_drops_its_columns(store: Store) -> None:
    from sqlalchemy import inspect

    command.downgrade(alembic_config(store.engine), "0019")
    columns = {c["name"] for c in inspect(store.engine).get_columns("employee_survey_tokens")}
    assert "attributes" not in columns and "remaining" not in columns
    assert "trainings" not in set(store.table_names())
    upgrade(store.engine)
    columns = {c["name"] for c in inspect(store.engine).get_columns("employee_survey_tokens")}
    assert {"attributes", "remaining"} <= columns
