"""Retention per kind of data: ``enforce_retention`` counts what is past its period and,
with ``apply``, removes it (or strips identity from answers); on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cxm.accounts.login_models import LoginAttempt
from cxm.customers.codes import CustomerStatus, JourneyStage
from cxm.customers.models import Customer, Purchase, Touchpoint
from cxm.errors import InputError
from cxm.privacy.retention import enforce_retention
from cxm.store import Store
from cxm.surveys.models import Answer, Response

NOW = datetime(2030, 6, 1, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=10)


def _fill(store: Store) -> None:
    with store.session() as s:
        gone = Customer(
            external_id="GONE",
            name="Old Friend",
            status=CustomerStatus.CHURNED,
            churned_on=(NOW - timedelta(days=800)).date(),
        )
        here = Customer(external_id="HERE", name="Still Here")
        s.add_all([gone, here])
        s.flush()
        for i, when in enumerate((OLD, RECENT)):
            s.add(
                Purchase(
                    external_id=f"P{i}",
                    customer_id=here.id,
                    purchased_on=when.date(),
                    product="tea",
                    quantity=Decimal(1),
                    revenue=Decimal(5),
                )
            )
            s.add(
                Touchpoint(
                    external_id=f"T{i}",
                    customer_id=here.id,
                    occurred_at=when,
                    stage=next(iter(JourneyStage)),
                    note="hello",
                )
            )
            s.add(LoginAttempt(account="x", client="c", ok=False, reason="bad_password", at=when))


def test_retention_counts_then_applies(store: Store, tmp_path: Path) -> None:
    _fill(store)
    backups = tmp_path / "backups"
    backups.mkdir()
    old_file = backups / "cxm-backup-20290101T000000Z.sqlite3"
    old_file.write_bytes(b"x")
    os.utime(old_file, (OLD.timestamp(), OLD.timestamp()))
    new_file = backups / "cxm-backup-20300530T000000Z.sqlite3"
    new_file.write_bytes(b"y")
    os.utime(new_file, (RECENT.timestamp(), RECENT.timestamp()))
    days = {
        "purchases": 365,
        "touchpoints": 365,
        "login_attempts": 90,
        "inactive_customers": 730,
        "backups": 30,
        "responses": 365,
    }
    with store.session() as s:
        dry = enforce_retention(s, days=days, apply=False, done_by="t", backup_dir=backups, now=NOW)
    assert dry.due == {
        "responses": 0,
        "touchpoints": 1,
        "purchases": 1,
        "inactive_customers": 1,
        "login_attempts": 1,
        "backups": 1,
    }
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Purchase)) == 2  # nothing removed
        enforce_retention(s, days=days, apply=True, done_by="t", backup_dir=backups, now=NOW)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Purchase)) == 1
        assert s.scalar(select(func.count()).select_from(Touchpoint)) == 1
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == 1
        names = set(s.scalars(select(Customer.name)))
    assert names == {None, "Still Here"}
    assert sorted(p.name for p in backups.iterdir()) == ["cxm-backup-20300530T000000Z.sqlite3"]
    with store.session() as s:
        again = enforce_retention(
            s, days=days, apply=False, done_by="t", backup_dir=backups, now=NOW
        )
    assert set(again.due.values()) == {0}


def test_old_responses_lose_their_identity_but_keep_their_numbers(store: Store, survey) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        for r in s.scalars(select(Response)):
            r.started_at = OLD
        numbers = s.scalar(
            select(func.count()).select_from(Answer).where(Answer.number.is_not(None))
        )
    with store.session() as s:
        report = enforce_retention(s, days={"responses": 365}, apply=True, done_by="t", now=NOW)
    assert report.due["responses"] == 3
    with store.session() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Response).where(Response.customer_id.is_not(None))
            )
            == 0
        )
        assert (
            s.scalar(select(func.count()).select_from(Answer).where(Answer.text.is_not(None))) == 0
        )
        assert (
            s.scalar(select(func.count()).select_from(Answer).where(Answer.number.is_not(None)))
            == numbers
        )


def test_bad_settings_are_refused(store: Store) -> None:
    with store.session() as s, pytest.raises(InputError, match="Unknown retention kind"):
        enforce_retention(s, days={"photos": 3}, apply=False, done_by="t")
    with store.session() as s, pytest.raises(InputError, match="whole number of days"):
        enforce_retention(s, days={"purchases": 0}, apply=False, done_by="t")
