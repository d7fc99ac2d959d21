"""The demo company's people: teams, employees and the customer file (profile, attributes,
acquisition, churn with date and reason), drawn from the hidden truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxm.customers.codes import CHURN_REASON_BENCHMARK, ChurnReason, CustomerStatus
from cxm.demo.truth import DemoTruth, customer_external_id, rng_for
from cxm.demo.vocabulary import (
    CHANNELS,
    CHURN_NOTES,
    CITIES,
    COMPETITORS,
    END,
    FAMILY_EVENTS,
    GIVEN_CHARS,
    HOBBIES,
    PREFERENCES,
    START,
    SURNAMES,
)

__all__ = [
    "CHURN_SHARE",
    "DAYS",
    "draw_customers",
    "draw_employees",
    "exact_counts",
    "person_names",
]

#: Share of customers who churn within the two years.
CHURN_SHARE = 0.17
#: Days in the demo window.
DAYS = (END - START).days + 1
#: Churn hazard = exp(-a·satisfaction − b·loyalty): the less satisfied leave sooner.
_HAZARD_SATISFACTION = 0.9
_HAZARD_LOYALTY = 0.5
#: Reasons given first to the churners low on a latent trait: (reason, trait, strength).
#: The remaining reasons (died, moved away, other relationship) fall at random.
_REASON_DRIVERS = (
    (ChurnReason.STAFF_INDIFFERENCE, "people", 1.5),
    (ChurnReason.PRODUCT_DISSATISFACTION, "product", 1.5),
    (ChurnReason.WON_BY_COMPETITOR, "loyalty", 1.0),
)


def exact_counts(shares: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``shares`` (largest remainder)."""
    raw = shares / shares.sum() * total
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return np.asarray(counts, dtype=np.int64)


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` Chinese personal names (surname and one or two given characters)."""
    sur = np.asarray(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.asarray(GIVEN_CHARS, dtype=object)[rng.integers(0, len(GIVEN_CHARS), n)]
    g2 = np.asarray(GIVEN_CHARS, dtype=object)[rng.integers(0, len(GIVEN_CHARS), n)]
    two = rng.random(n) < 0.6
    return [s + a + (b if t else "") for s, a, b, t in zip(sur, g1, g2, two, strict=True)]


def draw_employees(t: DemoTruth) -> pd.DataFrame:
    """One row per employee: ``external_id``, ``name``, ``team`` (team number)."""
    rng = rng_for(t.seed, "employees")
    k = t.employee_team.size
    return pd.DataFrame(
        {
            "external_id": [f"E{i + 1:03d}" for i in range(k)],
            "name": person_names(rng, k),
            "team": t.employee_team,
        }
    )


def _weighted_order(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """A random order in which items of larger weight tend to come first
    (weighted sampling without replacement, by exponential keys)."""
    keys = rng.exponential(1.0, weights.size) / weights
    return np.argsort(keys, kind="stable")


#: The demo firm's own reasons for leaving: the benchmark's order, not its sizes — a real
#: firm's exit answers differ from the documents' 1/3/5/9/14/68 %, and the report must
#: show the firm's own split beside the benchmark, never copy it.
_OWN_REASON_SHARES: dict[ChurnReason, float] = {
    ChurnReason.DIED: 0.02,
    ChurnReason.MOVED_AWAY: 0.05,
    ChurnReason.OTHER_RELATIONSHIP: 0.04,
    ChurnReason.WON_BY_COMPETITOR: 0.17,
    ChurnReason.PRODUCT_DISSATISFACTION: 0.19,
    ChurnReason.STAFF_INDIFFERENCE: 0.53,
}


def _churn_reasons(rng: np.random.Generator, t: DemoTruth, churned: np.ndarray) -> np.ndarray:
    """Sample reason codes for the churned customers from the firm's own split
    (:data:`_OWN_REASON_SHARES`): staff indifference goes mostly to those whom people served
    badly, product dissatisfaction to those with a poor product experience, competitors win
    the less loyal."""
    idx = np.flatnonzero(churned)
    reasons = np.empty(t.customers, dtype=object)
    codes = list(CHURN_REASON_BENCHMARK)
    shares = np.array([_OWN_REASON_SHARES[c] for c in codes])
    counts = dict(zip(codes, rng.multinomial(idx.size, shares / shares.sum()), strict=True))
    pool = idx
    for code, latent, strength in _REASON_DRIVERS:
        weight = np.exp(-strength * getattr(t, latent)[pool])
        order = _weighted_order(rng, weight)
        take = counts[code]
        reasons[pool[order[:take]]] = code.value
        pool = pool[np.sort(order[take:])]
    pool = rng.permutation(pool)
    start = 0
    for code in (ChurnReason.DIED, ChurnReason.MOVED_AWAY, ChurnReason.OTHER_RELATIONSHIP):
        reasons[pool[start : start + counts[code]]] = code.value
        start += counts[code]
    return reasons


def _attributes(rng: np.random.Generator, t: DemoTruth) -> list[dict[str, object]]:
    """Preferences, family, life events, hobbies and competitors used, per customer."""
    n = t.customers
    gender = rng.random(n) < 0.5
    age = np.clip(rng.normal(42, 12, n), 20, 80).astype(int)
    married = rng.random(n) < np.clip((age - 22) / 20, 0.05, 0.85)
    children = np.where(married, rng.poisson(1.0, n), 0)
    pref = rng.random((n, len(PREFERENCES))).argsort(axis=1)[:, :3]
    n_pref = rng.integers(1, 4, n)
    hob = rng.random((n, len(HOBBIES))).argsort(axis=1)[:, :3]
    n_hob = rng.integers(0, 4, n)
    n_events = rng.poisson(0.5, n)
    event = rng.integers(0, len(FAMILY_EVENTS), (n, 2))
    event_day = rng.integers(0, DAYS, (n, 2))
    # The less loyal shop around more.
    p_comp = 1.0 / (1.0 + np.exp(0.8 + 0.9 * t.loyalty))
    comp = rng.random((n, len(COMPETITORS))) < p_comp[:, None]
    # Plain Python lists: indexing numpy arrays element by element is slow.
    months = (np.datetime64(START, "D") + event_day.astype("timedelta64[D]")).astype("M8[M]")
    month_txt = months.astype(str).tolist()
    event_l, pref_l, hob_l, comp_l = event.tolist(), pref.tolist(), hob.tolist(), comp.tolist()
    n_ev, n_pr, n_hb = np.minimum(n_events, 2).tolist(), n_pref.tolist(), n_hob.tolist()
    genders = np.where(gender, "女", "男").tolist()
    ages, wed, kids = age.tolist(), married.tolist(), children.tolist()
    return [
        {
            "gender": genders[i],
            "age": ages[i],
            "family": {"married": wed[i], "children": kids[i]},
            "preferences": [PREFERENCES[j] for j in pref_l[i][: n_pr[i]]],
            "hobbies": [HOBBIES[j] for j in hob_l[i][: n_hb[i]]],
            "life_events": [
                {"event": FAMILY_EVENTS[event_l[i][k]], "month": month_txt[i][k]}
                for k in range(n_ev[i])
            ],
            "competitors_used": [c for c, used in zip(COMPETITORS, comp_l[i], strict=True) if used],
        }
        for i in range(n)
    ]


def draw_customers(t: DemoTruth) -> pd.DataFrame:
    """The customer file. Besides the stored columns it carries ``start_day`` and
    ``end_day`` (the customer's active days within the window, 0-based) for the activity
    generator."""
    rng = rng_for(t.seed, "customers")
    n = t.customers
    existing = rng.random(n) < 0.65
    acq_day = np.where(existing, -rng.integers(30, 2900, n), rng.integers(0, DAYS - 30, n))
    start_day = np.maximum(acq_day, 0)
    window = (DAYS - start_day).astype(float)

    # Exponential time to churn with a satisfaction-driven hazard; the base rate is set so
    # that exactly CHURN_SHARE of customers churn inside their window.
    e = rng.exponential(1.0, n)
    hazard = np.exp(-_HAZARD_SATISFACTION * t.satisfaction - _HAZARD_LOYALTY * t.loyalty)
    x = e / (hazard * window)
    n_churn = round(CHURN_SHARE * n)
    churned = np.zeros(n, dtype=bool)
    order = np.argsort(x, kind="stable")
    churned[order[:n_churn]] = True
    base = x[order[n_churn]] if n_churn < n else np.inf
    ttc = e / (base * hazard)
    churn_day = np.where(churned, np.minimum(start_day + np.maximum(ttc, 1.0), DAYS - 1), -1)
    churn_day = churn_day.astype(np.int64)
    end_day = np.where(churned, churn_day, DAYS)

    reasons = _churn_reasons(rng, t, churned)
    note_pick = rng.integers(0, 2, n)
    notes = [
        None if r is None else CHURN_NOTES[r][k % len(CHURN_NOTES[r])]
        for r, k in zip(reasons, note_pick, strict=True)
    ]
    start64 = np.datetime64(START, "D")
    acquired = (start64 + acq_day.astype("timedelta64[D]")).astype(object)
    churned_on = (start64 + np.maximum(churn_day, 0).astype("timedelta64[D]")).astype(object)
    churned_on[~churned] = None
    width = max(6, len(str(n)))
    cities = np.asarray(list(CITIES), dtype=object)
    prefix = np.asarray(["138", "139", "150", "158", "186", "188", "135", "177"], dtype=object)
    tail = rng.integers(0, 100_000_000, n)
    ids = customer_external_id(np.arange(n), n)
    return pd.DataFrame(
        {
            "external_id": ids,
            "name": person_names(rng, n),
            "phone": [
                f"{p}{x:08d}" for p, x in zip(prefix[rng.integers(0, 8, n)], tail, strict=True)
            ],
            "email": [f"c{i + 1:0{width}d}@example.com" for i in range(n)],
            "region": cities[t.region],
            "channel": np.asarray(CHANNELS, dtype=object)[t.channel],
            "acquired_on": acquired,
            "status": np.where(churned, CustomerStatus.CHURNED.value, CustomerStatus.ACTIVE.value),
            "churned_on": churned_on,
            "churn_reason": reasons,
            "churn_note": notes,
            "attributes": _attributes(rng, t),
            "start_day": start_day,
            "end_day": end_day,
        }
    )
