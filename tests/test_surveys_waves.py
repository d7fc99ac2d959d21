"""Waves: stratified samples with quotas, a quiet period, one invitation per customer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cxm.customers.models import Customer
from cxm.errors import InputError
from cxm.store import Store
from cxm.surveys.loader import parse_definition
from cxm.surveys.models import Invitation
from cxm.surveys.questionnaires import save_questionnaire
from cxm.surveys.waves import create_wave, sample_wave
from tests.survey_factories import SHORT, add_customers

TODAY = date(2026, 11, 23)


def _wave(store: Store, name: str, opens: date, quiet: int = 90) -> int:
    with store.session() as s:
        q = save_questionnaire(s, definition=parse_definition(SHORT))
        return create_wave(
            s,
            questionnaire_id=q.questionnaire_id,
            name=name,
            opens_on=opens,
            closes_on=opens + timedelta(days=30),
            quiet_days=quiet,
        ).id


def test_it_draws_each_stratum_to_its_quota(store: Store) -> None:
    add_customers(store, 40)
    wave = _wave(store, "Q1", TODAY)
    with store.session() as s:
        result = sample_wave(
            s, wave_id=wave, stratum="region", quotas={"north": 5, "south": 8}, seed=3
        )
        rows = s.execute(
            select(Customer.region, func.count())
            .join(Invitation, Invitation.customer_id == Customer.id)
            .group_by(Customer.region)
        ).all()
    assert result.invited == {"north": 5, "south": 8}
    assert dict(rows) == {"north": 5, "south": 8}


def test_a_quota_larger_than_the_stratum_reports_the_shortfall(store: Store) -> None:
    add_customers(store, 10)
    wave = _wave(store, "Q1", TODAY)
    with store.session() as s:
        result = sample_wave(s, wave_id=wave, stratum="region", quotas=8, seed=1)
    assert result.invited == {"north": 5, "south": 5}
    assert result.shortfall == {"north": 3, "south": 3}


def test_strata_can_come_from_attributes_functions_or_id_lists(store: Store) -> None:
    ids = add_customers(store, 20)
    w1, w2, w3 = (_wave(store, f"W{i}", TODAY, quiet=0) for i in range(3))
    with store.session() as s:
        by_attr = sample_wave(s, wave_id=w1, stratum="tier", quotas={"gold": 2, "silver": 3})
        by_func = sample_wave(
            s, wave_id=w2, stratum=lambda c: "even" if c.id % 2 == 0 else None, quotas=None
        )
        by_ids = sample_wave(
            s, wave_id=w3, stratum={"vip": ids[:3], "rest": ids[3:]}, quotas={"vip": 3}
        )
    assert by_attr.invited == {"gold": 2, "silver": 3}
    assert by_func.invited == {"even": 10}
    assert by_ids.invited == {"rest": 0, "vip": 3}


def test_customers_surveyed_in_the_quiet_period_are_skipped(store: Store) -> None:
    add_customers(store, 10)
    first = _wave(store, "Q1", date.today())
    with store.session() as s:
        sample_wave(s, wave_id=first, quotas=None)
    soon = _wave(store, "Q2", date.today() + timedelta(days=30), quiet=60)
    later = _wave(store, "Q3", date.today() + timedelta(days=120), quiet=60)
    with store.session() as s:
        blocked = sample_wave(s, wave_id=soon, quotas=None)
        allowed = sample_wave(s, wave_id=later, quotas=None)
    assert blocked.total == 0 and blocked.skipped_quiet == 10
    assert allowed.total == 10


def test_sampling_twice_never_invites_a_customer_twice(store: Store) -> None:
    add_customers(store, 6)
    wave = _wave(store, "Q1", TODAY, quiet=0)
    with store.session() as s:
        sample_wave(s, wave_id=wave, quotas=3, seed=1)
        sample_wave(s, wave_id=wave, quotas=10, seed=2)
        n = s.scalar(select(func.count(Invitation.id)))
        distinct = s.scalar(select(func.count(func.distinct(Invitation.customer_id))))
    assert n == distinct == 6


def test_a_wave_cannot_close_before_it_opens(store: Store) -> None:
    with store.session() as s:
        q = save_questionnaire(s, definition=parse_definition(SHORT))
        with pytest.raises(InputError):
            create_wave(
                s,
                questionnaire_id=q.questionnaire_id,
                name="x",
                opens_on=TODAY,
                closes_on=TODAY - timedelta(days=1),
            )


def test_a_wave_is_stratified_by_a_saved_segment_definition(store: Store, cxm) -> None:  # type: ignore[no-untyped-def]
    """``--stratum segment:NAME``: per-segment quotas over the current memberships, churned
    customers left out (rule segments on the region, kept by the management domain)."""
    import json

    from cxm.customers.codes import CustomerStatus
    from cxm.management.definitions import define_segments
    from cxm.management.segments import recompute

    ids = add_customers(store, 30)
    with store.session() as s:
        s.get_one(Customer, ids[0]).status = CustomerStatus.CHURNED  # a north customer
        rules = [
            {"name": "N", "conditions": [{"field": "region", "value": "north"}]},
            {"name": "S", "conditions": [{"field": "region", "value": "south"}]},
        ]
        define_segments(s, name="geo", kind="rule", parameters={"segments": rules})
    with store.session() as s:
        recompute(s, "geo")
        save_questionnaire(s, definition=parse_definition(SHORT))
    empty = cxm(
        "waves", "create", "W0", "--questionnaire", SHORT["code"], "--opens", "2026-11-01",
        "--closes", "2026-11-30", "--stratum", "segment:nosuch",
    )  # fmt: skip
    assert empty.exit_code == 1 and "nosuch" in empty.stderr
    r = cxm(
        "waves", "create", "W1", "--questionnaire", SHORT["code"], "--opens", "2026-11-01",
        "--closes", "2026-11-30", "--stratum", "segment:geo", "--quota", "N=20",
        "--quota", "S=4", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["invited"] == {"N": 14, "S": 4}  # 15 north customers, one churned
    assert out["shortfall"] == {"N": 6}
    with store.session() as s:
        invited = set(s.scalars(select(Invitation.customer_id)))
    assert ids[0] not in invited
