"""The next best action for one customer, and the churn-risk signals behind it.

A customer page must say what to do next and why, from what the file holds: an open case
whose clock runs out (a follow-up due), a valuable customer showing churn signals, a
customer whose spend is rising towards the top tier, a purchase cycle due for renewal, a
stated preference or life event to honour. The rules are transparent on purpose: each
candidate carries the evidence that triggered it, so an agent can say it to the customer.

The churn-risk screen here reads one customer's own history (DOMAIN.md §1, "the customer's
own purchase rhythm"): no purchase for ``k`` × their median gap (the ``gap`` rule of
:mod:`cxm.analytics.inactivity`, default ``k`` = 3), a dissatisfied last answer (1–2 of 5),
a detractor (NPS 0–6), an open complaint, spend in the last half-year under half of the
half-year before. It is not the fitted model of ``cxm churn risk`` (which needs the whole
customer base); it is what a person can check on the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from statistics import median
from typing import Any

from cxm.i18n import _

__all__ = [
    "Action",
    "ChurnSignals",
    "CustomerSignals",
    "OpenCase",
    "churn_signals",
    "level_text",
    "next_best_actions",
]

#: Lost after this many times the customer's own median gap between purchases.
GAP_K = 3.0
#: A purchase cycle is "due" from this share of the median gap since the last purchase …
DUE_FROM = 0.9
#: … until this share (later it is an inactivity signal, not a renewal).
DUE_UNTIL = 1.5
HALF_YEAR = timedelta(days=182)


@dataclass(frozen=True, slots=True)
class OpenCase:
    """An open case of the customer: ``due`` is the end of its running clock, if any."""

    id: int
    subject: str
    kind: str
    due: date | None = None


@dataclass(frozen=True, slots=True)
class CustomerSignals:
    """What the page knows of one customer on ``today``. ``purchases``: (day, product,
    profit) for each purchase; ``satisfaction`` 1–5 and ``nps`` 0–10 of the latest answers;
    ``attributes`` the customer file's free attributes (preferences, life events…)."""

    today: date
    purchases: Sequence[tuple[date, str, float]] = ()
    satisfaction: float | None = None
    nps: float | None = None
    open_cases: Sequence[OpenCase] = ()
    value_tier: str | None = None
    top_tier: bool = False
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChurnSignals:
    """``level``: ``high`` (two signals or more, or lost by the gap rule), ``medium`` (one)
    or ``low``; ``reasons``: one sentence per signal."""

    level: str
    reasons: tuple[str, ...]
    median_gap_days: float | None
    days_since_purchase: int | None


@dataclass(frozen=True, slots=True)
class Action:
    """A candidate action: ``code`` (follow_up, retain, rising, renewal, preference,
    keep_in_touch), what to do, and why."""

    code: str
    title: str
    why: str


def level_text(level: str) -> str:
    """The risk level in the current language."""
    return {"high": _("high"), "medium": _("medium"), "low": _("low")}.get(level, level)


def _gap(purchases: Sequence[tuple[date, str, float]]) -> float | None:
    days = sorted({p[0] for p in purchases})
    gaps = [(b - a).days for a, b in pairwise(days)]
    return float(median(gaps)) if gaps else None


def _profit_between(purchases: Sequence[tuple[date, str, float]], start: date, end: date) -> float:
    return sum(p for d, _prod, p in purchases if start < d <= end)


def churn_signals(s: CustomerSignals, *, k: float = GAP_K) -> ChurnSignals:
    """The churn-risk signals of one customer (see the module docstring)."""
    reasons: list[str] = []
    gap = _gap(s.purchases)
    last = max((p[0] for p in s.purchases), default=None)
    since = None if last is None else (s.today - last).days
    lost = False
    if gap is not None and gap > 0 and since is not None and since > k * gap:
        lost = True
        reasons.append(
            _(
                "No purchase for {days} days; this customer usually buys every {gap} days.",
                days=since,
                gap=round(gap),
            )
        )
    if s.satisfaction is not None and s.satisfaction <= 2:
        reasons.append(
            _("Dissatisfied in the last survey ({score} of 5).", score=f"{s.satisfaction:g}")
        )
    if s.nps is not None and s.nps <= 6:
        reasons.append(_("A detractor: would recommend us {score} of 10.", score=f"{s.nps:g}"))
    complaints = [c for c in s.open_cases if c.kind == "complaint"]
    if complaints:
        reasons.append(_("{n} open complaint(s).", n=len(complaints)))
    recent = _profit_between(s.purchases, s.today - HALF_YEAR, s.today)
    before = _profit_between(s.purchases, s.today - 2 * HALF_YEAR, s.today - HALF_YEAR)
    if before > 0 and recent < 0.5 * before and not lost:
        reasons.append(
            _(
                "Profit in the last half-year fell to {share:.0%} of the half-year before.",
                share=recent / before,
            )
        )
    level = "high" if lost or len(reasons) >= 2 else "medium" if reasons else "low"
    return ChurnSignals(level, tuple(reasons), gap, since)


def _due_cases(s: CustomerSignals) -> list[Action]:
    out = []
    for c in sorted(s.open_cases, key=lambda c: (c.due or date.max, c.id)):
        if c.due is not None and c.due <= s.today:
            why = _(
                "Case #{id} ({subject}) is due on {due}: its clock has run out.",
                id=c.id,
                subject=c.subject,
                due=c.due.isoformat(),
            )
        elif c.due is not None:
            why = _(
                "Case #{id} ({subject}) is open and due on {due}.",
                id=c.id,
                subject=c.subject,
                due=c.due.isoformat(),
            )
        else:
            why = _("Case #{id} ({subject}) is open.", id=c.id, subject=c.subject)
        out.append(Action("follow_up", _("Follow up the open case"), why))
    return out


def _renewal(s: CustomerSignals, gap: float | None, since: int | None) -> Action | None:
    if gap is None or since is None or gap <= 0:
        return None
    if not DUE_FROM * gap <= since <= DUE_UNTIL * gap:
        return None
    counts: dict[str, int] = {}
    for _d, product, _p in s.purchases:
        counts[product] = counts.get(product, 0) + 1
    product = max(sorted(counts), key=lambda p: counts[p])
    return Action(
        "renewal",
        _("Offer to renew: {product}", product=product),
        _(
            "Last purchase {days} days ago; this customer buys about every {gap} days, "
            "most often {product}.",
            days=since,
            gap=round(gap),
            product=product,
        ),
    )


def _rising(s: CustomerSignals) -> Action | None:
    if s.top_tier:
        return None
    recent = _profit_between(s.purchases, s.today - HALF_YEAR, s.today)
    before = _profit_between(s.purchases, s.today - 2 * HALF_YEAR, s.today - HALF_YEAR)
    if before <= 0 or recent < 1.5 * before:
        return None
    return Action(
        "rising",
        _("Treat as a rising customer: offer the key-account service"),
        _(
            "Profit in the last half-year is {ratio:.1f} times the half-year before "
            "(¥{recent:,.0f} against ¥{before:,.0f}), outside the top tier today.",
            ratio=recent / before,
            recent=recent,
            before=before,
        ),
    )


def _preference(s: CustomerSignals) -> Action | None:
    this_month = s.today.strftime("%Y-%m")
    next_month = (s.today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    for e in s.attributes.get("life_events") or []:
        if isinstance(e, dict) and e.get("month") in (this_month, next_month):
            return Action(
                "preference",
                _("Honour a life event: {event}", event=str(e.get("event"))),
                _(
                    "The file records {event} in {month}: a word or an offer fits now.",
                    event=str(e.get("event")),
                    month=str(e.get("month")),
                ),
            )
    prefs = [str(p) for p in s.attributes.get("preferences") or [] if p]
    if prefs:
        joined = ", ".join(prefs)
        return Action(
            "preference",
            _("Honour stated preferences: {prefs}", prefs=joined),
            _("The customer told us they prefer {prefs}.", prefs=joined),
        )
    return None


def next_best_actions(s: CustomerSignals, *, k: float = GAP_K) -> list[Action]:
    """Candidate actions, best first; the first is the next best action. Order: a due or
    open case, retention of an at-risk customer (first when valuable), a rising customer,
    a renewal due, a preference to honour, else keep in touch."""
    risk = churn_signals(s, k=k)
    actions = _due_cases(s)
    if risk.level in ("high", "medium"):
        valuable = _(" A top-tier customer: worth a personal call.") if s.top_tier else ""
        retain = Action(
            "retain",
            _("Call to keep this customer"),
            _(
                "Churn risk {level}: {reasons}",
                level=level_text(risk.level),
                reasons=" ".join(risk.reasons),
            )
            + valuable,
        )
        if s.top_tier or risk.level == "high":
            actions.insert(0 if not actions else 1, retain)
        else:
            actions.append(retain)
    for extra in (_rising(s), _renewal(s, risk.median_gap_days, risk.days_since_purchase)):
        if extra is not None:
            actions.append(extra)
    pref = _preference(s)
    if pref is not None:
        actions.append(pref)
    if not actions:
        actions.append(
            Action(
                "keep_in_touch",
                _("Nothing urgent: thank the customer at the next contact"),
                _("No open case, no churn signal, no purchase cycle due."),
            )
        )
    return actions
