"""Lost customers and prospects: an exit wave samples exactly the customers lost under the
churn rule, the measured reasons are set beside the documents' benchmark (rescaled over the
reasons an exit survey can ask), lost customers' earlier answers are compared with those who
stayed, and a prospect list feeds a prospect wave. SQLite and PostgreSQL.

Intervals and tests are checked against statsmodels (``proportion_confint``,
``confint_proportions_2indep``) and scipy (``chisquare``, ``sem``): independent
implementations."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from cxm.analytics.comparative import comparative_score
from cxm.customers.models import Customer, Prospect
from cxm.errors import InputError
from cxm.store import Store
from cxm.surveys.models import Invitation
from tests.management_factories import surveyed_company

#: Planted exit answers: reason → how many lost customers give it.
PLANTED = {
    "staff_indifference": 24,
    "won_by_competitor": 10,
    "product_dissatisfaction": 8,
    "other_relationship": 4,
    "moved_away": 2,
    "other": 2,
}


def test_the_comparative_score_matches_scipy() -> None:
    from scipy import stats

    x = np.array([1] * 27 + [0] * 40 + [-1] * 13, dtype=float)
    got = comparative_score(x)
    assert got["net"] == pytest.approx(100 * (27 - 13) / 80)
    assert got["se"] == pytest.approx(100 * stats.sem(x, ddof=0))
    assert (got["better"], got["same"], got["worse"]) == pytest.approx((27 / 80, 0.5, 13 / 80))
    with pytest.raises(ValueError, match="\\+1, 0 or -1"):
        comparative_score([2, 0])


def _exit_wave(store: Store) -> tuple[int, list[int]]:
    from sqlalchemy import update

    from cxm.management.lost import lost_customers, sample_lost
    from cxm.surveys.models import Response
    from cxm.surveys.questionnaires import install_template
    from cxm.surveys.waves import create_wave

    surveyed_company(store, n=200)
    with store.session() as s:  # the satisfaction survey was answered before anyone left
        s.execute(update(Response).values(completed_at=datetime(2025, 12, 1, tzinfo=UTC)))
        qid = install_template(s, name="exit").questionnaire_id
        wave = create_wave(
            s,
            questionnaire_id=qid,
            name="离开原因 2026",
            opens_on=date(2026, 11, 1),
            closes_on=date(2026, 12, 31),
            quiet_days=0,
        )
        lost = lost_customers(s)
        result = sample_lost(s, wave_id=wave.id, seed=3)
        churned = set(
            s.scalars(select(Customer.id).where(Customer.status == "churned"))  # recorded rule
        )
        assert set(lost) == churned and result.total == len(churned) >= sum(PLANTED.values())
        invited = list(
            s.scalars(
                select(Invitation.id).where(Invitation.wave_id == wave.id).order_by(Invitation.id)
            )
        )
    return wave.id, invited


def test_an_exit_wave_measures_why_they_left(cxm, store: Store) -> None:  # type: ignore[no-untyped-def]
    from scipy import stats
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    from cxm.management.exit_reasons import why_they_left
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.recording import CompletedResponse, record_responses

    _wave_id, invited = _exit_wave(store)
    reasons = [r for r, k in PLANTED.items() for _ in range(k)]
    with store.session() as s:
        issue_links(s, invitation_ids=invited)
        record_responses(
            s,
            items=[
                CompletedResponse(
                    invitation_id=inv,
                    answers={
                        "EXIT_REASON": reason,
                        "EXIT_SAT": 2 if reason == "staff_indifference" else 4,
                        "EXIT_BACK": "maybe" if k % 2 else "no",
                        "EXIT_COMPARE": "worse" if k % 3 else "same",
                        "EXIT_COMPETITOR": "京东" if reason == "won_by_competitor" else None,
                    },
                    completed_at=datetime(2026, 11, 5, tzinfo=UTC) + timedelta(minutes=k),
                )
                for k, (inv, reason) in enumerate(zip(invited, reasons, strict=False))
            ],
        )
    with store.session() as s:
        report = why_they_left(s, before_item="OVERALL", min_n=30)
    n = sum(PLANTED.values())
    table = report.reasons.set_index("reason")
    assert "died" not in table.index  # the dead cannot answer: not asked, not benchmarked
    # shares are over the answers with a benchmarked reason ("other" is listed apart)
    in_bench = n - PLANTED["other"]
    assert table.loc["staff_indifference", "share"] == pytest.approx(24 / in_bench)
    assert table.loc["staff_indifference", "benchmark_share"] == pytest.approx(0.68 / 0.99)
    low, high = proportion_confint(24, in_bench, method="wilson")
    assert (
        table.loc["staff_indifference", "ci_low"],
        table.loc["staff_indifference", "ci_high"],
    ) == pytest.approx((low, high))
    benchmarked = [
        "moved_away",
        "other_relationship",
        "won_by_competitor",
        "product_dissatisfaction",
        "staff_indifference",
    ]
    observed = [PLANTED[r] for r in benchmarked]
    expected_share = np.array([0.03, 0.05, 0.09, 0.14, 0.68]) / 0.99
    if (expected_share * sum(observed)).min() >= 5:
        ref = stats.chisquare(observed, expected_share * sum(observed))
        assert report.summary["chi2_p"] == pytest.approx(ref.pvalue)
    else:  # too few expected in a cell for the test: reported as not computed
        assert report.summary["chi2_p"] != report.summary["chi2_p"]
    assert report.summary["answers"] == n and report.summary["status"] == "ok"
    assert report.summary["recalled_csat"] == pytest.approx(26 / n)
    assert report.competitors.iloc[0]["competitor"] == "京东"
    assert report.competitors.iloc[0]["customers"] == 10
    # lost against stayed on their earlier overall satisfaction (planted: the less
    # satisfied churned more): the lost were satisfied less often
    before = report.before.set_index("group")
    assert report.before_difference is not None and report.before_difference < 0
    ref_low, ref_high = confint_proportions_2indep(
        before.loc["lost", "satisfied"],
        before.loc["lost", "customers"],
        before.loc["stayed", "satisfied"],
        before.loc["stayed", "customers"],
        method="newcomb",
    )
    assert report.before_difference_ci == pytest.approx((ref_low, ref_high))
    r = cxm("lost", "why", "--json", "--min-n", "10")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {x["reason"] for x in doc["reasons"]} >= set(benchmarked)
    r = cxm("lost", "why", lang="zh-CN")
    assert r.exit_code == 0 and "京东" in r.stdout


def test_no_exit_answers_is_said_plainly(store: Store) -> None:
    from cxm.management.exit_reasons import why_they_left

    _exit_wave(store)
    with store.session() as s, pytest.raises(InputError, match="No exit answers yet"):
        why_they_left(s)


def test_a_prospect_list_feeds_a_prospect_wave(cxm, store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cxm.surveys.invitations import issue_links
    from cxm.surveys.questionnaires import install_template
    from cxm.surveys.recording import CompletedResponse, record_responses
    from cxm.surveys.waves import create_wave
    from tests.survey_factories import add_customers

    add_customers(store, 1)  # C00000 is a customer
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,name,email,region\n"
        "P1,王芳,wang@example.test,north\n"
        "P1,李雷,li@example.test,south\n"
        "C00000,张三,zhang@example.test,north\n"
        "P3,赵四,not-an-address,south\n",
        encoding="utf-8",
    )
    r = cxm("prospects", "import", str(bad))
    assert r.exit_code != 0
    assert "P1" in r.stderr and "C00000" in r.stderr and "not-an-address" in r.stderr
    with store.session() as s:
        assert s.scalars(select(Prospect)).first() is None  # nothing half saved
    good = tmp_path / "good.csv"
    good.write_text(
        "external_id,name,email,region,competitor\n"
        + "".join(
            f"P{i},潜在客户{i},p{i}@example.test,{('north', 'south')[i % 2]},国美\n"
            for i in range(10)
        ),
        encoding="utf-8",
    )
    r = cxm("prospects", "import", str(good), "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["rows"] == 10, r.stderr
    with store.session() as s:
        qid = install_template(s, name="prospect").questionnaire_id
        wave = create_wave(
            s,
            questionnaire_id=qid,
            name="潜在客户 2026",
            opens_on=date(2026, 11, 1),
            closes_on=date(2026, 12, 31),
        )
        wave_id = wave.id
    r = cxm("prospects", "invite", str(wave_id), "--n", "4", "--region", "north", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["invited"] == 4, r.stderr
    r = cxm("prospects", "invite", str(wave_id), "--json")  # the rest; none twice
    assert json.loads(r.stdout)["invited"] == 6
    with store.session() as s:
        invs = list(s.scalars(select(Invitation).where(Invitation.wave_id == wave_id)))
        assert len(invs) == 10 and all(i.customer_id is None and i.prospect_id for i in invs)
        issue_links(s, invitation_ids=[invs[0].id])
        record_responses(
            s,
            items=[
                CompletedResponse(
                    invitation_id=invs[0].id,
                    answers={
                        "PROS_REASON": "service",
                        "PROS_COMPARE": "worse",
                        "PROS_CONSIDER": "maybe",
                    },
                    completed_at=datetime(2026, 11, 3, tzinfo=UTC),
                )
            ],
        )
    from cxm.frames.responses import responses_frame as frame

    with store.session() as s:
        answers = frame(s, wave_id=wave_id)
    assert len(answers) == 1 and answers["customer_id"].isna().all()
    assert answers["PROS_COMPARE"].iloc[0] == -1.0
    with store.session() as s, pytest.raises(InputError, match="at least 1"):
        from cxm.surveys.populations import sample_prospects

        sample_prospects(s, wave_id=wave_id, n=0)
