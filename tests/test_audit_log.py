"""The audit log: every change of a service leaves one entry (who by id, what, before and
after); nothing can change or delete an entry, through the ORM or a bulk statement."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from cxm.accounts import create_token, create_user, revoke_token, set_password, update_user
from cxm.audit import AuditEntry, AuditLogIsAppendOnly, list_entries, record
from cxm.management.definitions import define_segments
from cxm.store import Store
from cxm.surveys.loader import parse_definition
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.waves import create_wave
from tests.staff.conftest import QUESTIONNAIRE


def test_a_user_change_is_logged_with_before_and_after(store: Store) -> None:
    with store.session() as s:
        admin = create_user(s, name="alice", role="admin", password="x" * 12)
        user = create_user(s, name="bob", role="agent", password="y" * 12, actor_id=admin.id)
        update_user(s, name="bob", role="lead", scope="teams_led", actor_id=admin.id)
        set_password(s, name="bob", password="z" * 12, actor_id=user.id)
        token = create_token(s, name="bob", actor_id=user.id)
        revoke_token(s, token_id=token.id, actor_id=admin.id)
    with store.session() as s:
        entries = list_entries(s, entity="staff_user", entity_id=str(user.id))
        assert [(e.action, e.actor_id) for e in entries] == [
            ("set_password", user.id),
            ("update", admin.id),
            ("create", admin.id),
        ]
        changed = entries[1]
        assert changed.before is not None and changed.after is not None
        assert (changed.before["role"], changed.after["role"]) == ("agent", "lead")
        assert (changed.before["scope"], changed.after["scope"]) == ("team", "teams_led")
        assert entries[0].before is None and entries[0].after is None  # no hash in the log
        assert [e.action for e in list_entries(s, entity="api_token")] == ["revoke", "create"]
        assert all(e.at.tzinfo is not None or store.engine.dialect.name == "sqlite"
                   for e in entries)  # fmt: skip


def test_surveys_and_segments_changes_are_logged(store: Store) -> None:
    from datetime import date

    with store.session() as s:
        saved = save_questionnaire(s, definition=parse_definition(QUESTIONNAIRE), actor_id=7)
        wave = create_wave(
            s,
            questionnaire_id=saved.questionnaire_id,
            name="Q1",
            opens_on=date(2026, 1, 1),
            closes_on=date(2026, 3, 31),
            actor_id=7,
        )
        d = define_segments(s, name="value", kind="pareto", parameters={"cuts": [0.2]}, actor_id=7)
    with store.session() as s:
        got = {(e.entity, e.action, e.entity_id) for e in list_entries(s, actor_id=7)}
    assert got == {
        ("questionnaire", "create", str(saved.questionnaire_id)),
        ("wave", "create", str(wave.id)),
        ("segment_definition", "create", str(d.id)),
    }


def test_an_entry_cannot_be_changed_or_deleted(store: Store) -> None:
    with store.session() as s:
        entry_id = record(
            s, actor_id=1, action="create", entity="thing", entity_id=1, after={"a": 1}
        ).id
    with pytest.raises(AuditLogIsAppendOnly), store.session() as s:
        entry = s.get(AuditEntry, entry_id)
        assert entry is not None
        entry.action = "forged"
        s.flush()
    with pytest.raises(AuditLogIsAppendOnly), store.session() as s:
        entry = s.get(AuditEntry, entry_id)
        s.delete(entry)
        s.flush()
    with pytest.raises(AuditLogIsAppendOnly), store.session() as s:
        s.execute(update(AuditEntry).values(action="forged"))
    with pytest.raises(AuditLogIsAppendOnly), store.session() as s:
        s.execute(delete(AuditEntry))
    with store.session() as s:
        assert s.scalars(select(AuditEntry.action)).all() == ["create"]


def test_the_cli_lists_the_log(cxm, tmp_path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a long password\n", encoding="utf-8")
    made = cxm("users", "create", "alice", "--role", "admin", "--password-file", str(secret))
    assert made.exit_code == 0, made.stderr
    listed = json.loads(cxm("audit", "list", "--entity", "staff_user", "--json").stdout)
    assert [(e["action"], e["actor_id"], e["after"]["role"]) for e in listed] == [
        ("create", None, "admin")
    ]
    assert "alice" not in json.dumps(listed[0]["before"])
    table = cxm("audit", "list")
    assert "staff_user" in table.stdout and "system" in table.stdout
