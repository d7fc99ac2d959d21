"""The demo company's activity: purchases (revenue and cost) and touchpoints across the
journey stages, all vectorised.

Profit per customer is heavy-tailed (log-normal purchase frequency times log-normal
basket size), so that about 20 % of customers bring about 80 % of profit; discount
hunters and small baskets make some customers unprofitable. Complaints come more
often to customers whom people or the product served badly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxm.customers.codes import JourneyStage
from cxm.demo.company import DAYS
from cxm.demo.truth import PARADOX_CHANNEL, DemoTruth, rng_for
from cxm.demo.vocabulary import CHANNELS, COMPLAINT_NOTES, PRODUCTS, TOUCHPOINT_CHANNELS

__all__ = ["draw_purchases", "draw_touchpoints"]

#: Log-normal spread of purchase frequency and of basket size (tuned for the 80/20 share).
_SIGMA_FREQUENCY = 0.85
_SIGMA_BASKET = 0.85
_PURCHASES_PER_YEAR = 2.0
#: Dealer customers buy from us this much less often: the dealer sells them other brands.
_PARADOX_FREQUENCY = 0.12
#: Product mix of an ordinary purchase.
_PRODUCT_WEIGHTS = np.array([0.13, 0.09, 0.09, 0.08, 0.08, 0.08, 0.07, 0.12, 0.16, 0.10])
_SERVICE_COST_BIG = 60.0
_SERVICE_COST_SMALL = 15.0


def _spread(
    rng: np.random.Generator, counts: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each customer ``counts`` times with a uniform day in ``[lo, hi)``."""
    who = np.repeat(np.arange(counts.size), counts)
    width = np.maximum(hi - lo, 1)[who]
    day = lo[who] + (rng.random(who.size) * width).astype(np.int64)
    return who, day


def draw_purchases(t: DemoTruth, customers: pd.DataFrame) -> pd.DataFrame:
    """One row per purchase: ``customer`` (number), ``day``, ``product``, ``quantity``,
    ``revenue``, ``cost``."""
    rng = rng_for(t.seed, "purchases")
    n = t.customers
    start = customers["start_day"].to_numpy()
    end = customers["end_day"].to_numpy()
    years = (end - start) / 365.0
    z = rng.normal(size=(2, n))
    frequency = _PURCHASES_PER_YEAR * np.exp(
        _SIGMA_FREQUENCY * z[0] + 0.15 * t.satisfaction - _SIGMA_FREQUENCY**2 / 2
    )
    basket = np.exp(_SIGMA_BASKET * (0.3 * z[0] + np.sqrt(1 - 0.09) * z[1]))
    frequency = np.where(
        t.channel == CHANNELS.index(PARADOX_CHANNEL), _PARADOX_FREQUENCY * frequency, frequency
    )
    counts = rng.poisson(np.minimum(frequency, 60.0) * years)
    who, day = _spread(rng, counts, start, end)
    m = who.size

    names = list(PRODUCTS)
    price = np.array([PRODUCTS[p][0] for p in names])
    margin = np.array([PRODUCTS[p][1] for p in names])
    big = np.array([PRODUCTS[p][2] for p in names])
    product = rng.choice(len(names), size=m, p=_PRODUCT_WEIGHTS / _PRODUCT_WEIGHTS.sum())
    unit = price[product] * np.exp(rng.normal(0.0, 0.25, m))
    quantity = np.maximum(1, np.rint(basket[who] * np.exp(rng.normal(0.0, 0.3, m)))).astype(int)
    revenue = np.round(unit * quantity, 2)
    # Discount hunters buy below margin; everyone costs something to serve per order.
    hunter = rng.random(n) < 0.12
    discount = np.where(hunter, rng.uniform(0.15, 0.35, n), 0.0)[who]
    service = np.where(big[product], _SERVICE_COST_BIG, _SERVICE_COST_SMALL) * np.sqrt(quantity)
    cost = np.round(revenue * (1.0 - margin[product] + discount) + service, 2)
    order = np.lexsort((product, day, who))
    return pd.DataFrame(
        {
            "customer": who[order],
            "day": day[order],
            "product": np.asarray(names, dtype=object)[product[order]],
            "quantity": quantity[order],
            "revenue": revenue[order],
            "cost": cost[order],
            "big": big[product[order]],
        }
    )


def _staff(
    rng: np.random.Generator, t: DemoTruth, who: np.ndarray, own_manager: float
) -> np.ndarray:
    """Pick the employee of each contact: the customer's manager, a colleague in the home
    team, or (rarely) someone of another team."""
    m = who.size
    u = rng.random(m)
    emp = t.manager[who].copy()
    colleague = (u >= own_manager) & (u < 0.9)
    other = u >= 0.9
    team_of = t.employee_team
    home = t.team[who]
    # A colleague: a random employee of the same team (by rejection-free index arithmetic).
    sizes = np.bincount(team_of, minlength=len(t.team_names))
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pick = first[home] + (rng.random(m) * sizes[home]).astype(np.int64)
    emp[colleague] = pick[colleague]
    emp[other] = rng.integers(0, team_of.size, int(other.sum()))
    return np.asarray(emp, dtype=np.int64)


def draw_touchpoints(
    t: DemoTruth, customers: pd.DataFrame, purchases: pd.DataFrame
) -> pd.DataFrame:
    """One row per touchpoint: ``customer``, ``day``, ``second`` (of the day), ``channel``,
    ``stage``, ``employee`` (number), ``team`` (number), ``note``."""
    rng = rng_for(t.seed, "touchpoints")
    n = t.customers
    start = customers["start_day"].to_numpy()
    end = customers["end_day"].to_numpy()
    years = np.maximum(end - start, 1) / 365.0
    parts: list[tuple[np.ndarray, np.ndarray, str]] = []

    # Pre-sale: enquiries, mostly early in the relationship.
    k = rng.poisson(0.8, n)
    early_end = np.minimum(start + 60, end)
    who, day = _spread(rng, k, start, early_end)
    parts.append((who, day, JourneyStage.PRE_SALE.value))
    # Sale: most purchases are recorded as a contact; big items are delivered.
    p_who = purchases["customer"].to_numpy()
    p_day = purchases["day"].to_numpy()
    sale = rng.random(p_who.size) < 0.6
    parts.append((p_who[sale], p_day[sale], JourneyStage.SALE.value))
    deliver = purchases["big"].to_numpy() & (rng.random(p_who.size) < 0.8)
    d_day = np.minimum(p_day[deliver] + rng.integers(1, 6, int(deliver.sum())), DAYS - 1)
    parts.append((p_who[deliver], d_day, JourneyStage.DELIVERY.value))
    # After-sale service and complaints; complaints come with bad people/product experience.
    k = rng.poisson(0.5 * years)
    who, day = _spread(rng, k, start, end)
    parts.append((who, day, JourneyStage.AFTER_SALE.value))
    rate = 0.25 * np.exp(-0.7 * t.people - 0.4 * t.product)
    k = rng.poisson(rate * years)
    who, day = _spread(rng, k, start, end)
    parts.append((who, day, JourneyStage.COMPLAINT.value))

    who = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    stage = np.concatenate([np.full(p[0].size, p[2], dtype=object) for p in parts])
    m = who.size
    second = rng.integers(9 * 3600, 21 * 3600, m)
    order = np.lexsort((second, day, who))
    who, day, stage, second = who[order], day[order], stage[order], second[order]

    is_complaint = stage == JourneyStage.COMPLAINT.value
    emp = _staff(rng, t, who, own_manager=0.5)
    chan_names = np.asarray(TOUCHPOINT_CHANNELS, dtype=object)
    own = np.asarray(CHANNELS, dtype=object)[t.channel[who]]
    channel = np.where(rng.random(m) < 0.75, own, chan_names[rng.integers(0, 4, m)])
    home_visit = (stage == JourneyStage.DELIVERY.value) | (
        (stage == JourneyStage.AFTER_SALE.value) & (rng.random(m) < 0.5)
    )
    channel = np.where(home_visit, "上门", channel)
    # Complaints are mostly about the people; some about the product.
    fault = np.where(
        rng.random(m) < 0.8,
        rng.integers(0, len(COMPLAINT_NOTES) - 1, m),
        len(COMPLAINT_NOTES) - 1,
    )
    note = np.full(m, None, dtype=object)
    note[is_complaint] = np.asarray(COMPLAINT_NOTES, dtype=object)[fault[is_complaint]]
    return pd.DataFrame(
        {
            "customer": who,
            "day": day,
            "second": second,
            "channel": channel,
            "stage": stage,
            "employee": emp,
            "team": t.employee_team[emp],
            "note": note,
        }
    )
