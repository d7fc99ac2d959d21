"""Migration 0016 adds the employee-survey tables and takes them away again."""

from __future__ import annotations

from alembic import command

from cxm.store import Store
from cxm.store.migrate import alembic_config, current_revisions, head_revisions, upgrade

TABLES = {
    "employee_survey_waves",
    "employee_survey_invitees",
    "employee_survey_tokens",
    "employee_survey_responses",
}


def test_down_and_up_again(store: Store) -> None:
    assert TABLES <= set(store.table_names())
    command.downgrade(alembic_config(store.engine), "0007")
    assert current_revisions(store.engine) == {"0007"}
    assert not TABLES & set(store.table_names())
    upgrade(store.engine)
    assert current_revisions(store.engine) == head_revisions(store.engine)
    assert TABLES <= set(store.table_names())
