"""The next best action and the churn signals of one customer: each rule fires on the
evidence it names, and the order puts a due case and an at-risk valuable customer first.

The figures are worked by hand in the comments (the rules are arithmetic on one
customer's history; there is no published reference to pin them to)."""

from __future__ import annotations

from datetime import date, timedelta

from cxm.analytics.next_action import (
    CustomerSignals,
    OpenCase,
    churn_signals,
    next_best_actions,
)
from cxm.i18n import language

TODAY = date(2026, 9, 30)


def _every(days: int, n: int, *, last: int, product: str = "tea", profit: float = 50.0):
    """``n`` purchases ``days`` apart, the latest ``last`` days before TODAY."""
    return [(TODAY - timedelta(days=last + k * days), product, profit) for k in range(n)]


def test_a_quiet_customer_is_kept_in_touch() -> None:
    s = CustomerSignals(today=TODAY, purchases=_every(30, 6, last=10))
    assert churn_signals(s).level == "low"
    assert [a.code for a in next_best_actions(s)] == ["keep_in_touch"]


def test_a_renewal_is_due_from_0_9_to_1_5_times_the_own_gap() -> None:
    # median gap 30 days: due from day 27 to day 45 after the last purchase.
    assert next_best_actions(CustomerSignals(TODAY, _every(30, 6, last=26)))[0].code != "renewal"
    due = next_best_actions(CustomerSignals(TODAY, _every(30, 6, last=27)))
    assert due[0].code == "renewal" and "tea" in due[0].title
    assert next_best_actions(CustomerSignals(TODAY, _every(30, 6, last=46)))[0].code != "renewal"


def test_lost_by_the_gap_rule_is_high_risk_with_its_reason() -> None:
    # gap 30, k 3: more than 90 days since the last purchase.
    s = CustomerSignals(TODAY, _every(30, 6, last=91))
    risk = churn_signals(s)
    assert risk.level == "high" and risk.days_since_purchase == 91
    assert "91 days" in risk.reasons[0] and "every 30 days" in risk.reasons[0]
    assert next_best_actions(s)[0].code == "retain"
    assert churn_signals(CustomerSignals(TODAY, _every(30, 6, last=90))).level == "low"


def test_dissatisfaction_and_a_detractor_make_two_signals() -> None:
    s = CustomerSignals(TODAY, _every(30, 6, last=5), satisfaction=2, nps=6)
    risk = churn_signals(s)
    assert risk.level == "high" and len(risk.reasons) == 2
    one = churn_signals(CustomerSignals(TODAY, _every(30, 6, last=5), satisfaction=3, nps=6))
    assert one.level == "medium"


def test_a_due_case_comes_first_then_retention() -> None:
    case = OpenCase(id=7, subject="late delivery", kind="complaint", due=TODAY)
    s = CustomerSignals(TODAY, _every(30, 6, last=5), satisfaction=1, open_cases=[case])
    actions = next_best_actions(s)
    assert [a.code for a in actions[:2]] == ["follow_up", "retain"]
    assert "#7" in actions[0].why and "run out" in actions[0].why


def test_a_rising_customer_outside_the_top_tier() -> None:
    # 100 profit in the half-year before, 400 in the last: 4.0 times.
    before = [(TODAY - timedelta(days=300), "tea", 100.0)]
    recent = [(TODAY - timedelta(days=d), "tea", 100.0) for d in (10, 40, 70, 100)]
    s = CustomerSignals(TODAY, before + recent, top_tier=False)
    rising = [a for a in next_best_actions(s) if a.code == "rising"]
    assert rising and "4.0 times" in rising[0].why
    top = CustomerSignals(TODAY, before + recent, top_tier=True)
    assert not [a for a in next_best_actions(top) if a.code == "rising"]


def test_a_life_event_this_month_is_honoured_in_chinese() -> None:
    s = CustomerSignals(
        TODAY,
        _every(30, 6, last=5),
        attributes={"life_events": [{"event": "乔迁", "month": "2026-09"}], "preferences": []},
    )
    with language("zh-CN"):
        action = next_best_actions(s)[0]
    assert action.code == "preference"
    assert "乔迁" in action.title and "2026-09" in action.why


def test_falling_spend_is_a_signal() -> None:
    # 300 in the half-year before, 100 in the last: 33 %.
    before = [(TODAY - timedelta(days=d), "tea", 100.0) for d in (200, 230, 260)]
    s = CustomerSignals(TODAY, [*before, (TODAY - timedelta(days=20), "tea", 100.0)])
    risk = churn_signals(s)
    assert risk.level == "medium" and "33%" in risk.reasons[-1]
