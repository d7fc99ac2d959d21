"""The demo company's hidden ground truth, reproducible from the seed.

The generator first draws what analysis must later *find* but never sees directly:
each team's service quality, each employee's, and each customer's latent experience
of the invisible scorecard (product, process, people), overall satisfaction and loyalty
propensity. Everything observable (purchases, touchpoints, churn, survey answers) is then
drawn from it. ``truth(seed, n)`` recomputes it exactly, without touching a database,
so that later demo steps (survey waves) and tests can use it.

Model (all latent variables on a z-score scale)::

    team quality       q_t   = evenly spread in [-1, 1], shuffled by the seed
    employee quality   e_j   = q_team(j) + N(0, 0.3²)
    people experience  p_i   = 0.8·e_manager(i) + N(0, 0.6²)
    product experience d_i   ~ N(0, 1)
    process experience r_i   = channel effect + N(0, 0.95²)
    satisfaction       s_i   = standardise(0.5·p + 0.3·d + 0.2·r + N(0, 0.5²))
    loyalty propensity l_i   = 0.3·s_i + √(1 − 0.3²)·N(0, 1)
    dealer customers         s_i += 1.0, l_i −= 1.5   (the documents' paradox, below)
    employee satisfaction    = 0.6·standardise(e_j) + 0.8·N(0, 1)   (drawn last)

The paradox (DOMAIN.md §3: over 90 % satisfied, under 30 % coming back) is planted in the
customers who buy through dealers: nothing goes wrong for them, so they answer very
satisfied, but the dealer sells them another brand next time, so few buy from us again
(their purchase frequency is cut in :mod:`cxm.demo.activity`).

People weigh most because the documents find two thirds of lost customers leave
over staff indifference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxm.demo.vocabulary import AREAS, CHANNEL_WEIGHTS, CHANNELS, CITIES, TEAMS

__all__ = [
    "DRIVER_WEIGHTS",
    "LOYALTY_ON_SATISFACTION",
    "PARADOX_CHANNEL",
    "DemoTruth",
    "customer_external_id",
    "rng_for",
    "truth",
]

#: How much each side of the invisible scorecard drives latent satisfaction.
DRIVER_WEIGHTS: dict[str, float] = {"people": 0.5, "product": 0.3, "process": 0.2}
#: Regression of latent loyalty on latent satisfaction (both standardised).
LOYALTY_ON_SATISFACTION = 0.3
#: Customers of this channel are very satisfied but rarely come back (the paradox).
PARADOX_CHANNEL = "经销商"
_PARADOX_SATISFACTION = 1.0
_PARADOX_LOYALTY = -1.5
#: Effect of the channel a customer uses on the process experience.
_CHANNEL_PROCESS: dict[str, float] = {"门店": 0.0, "线上": 0.25, "电话": -0.35, "经销商": -0.15}
_TEAM_SIZES = (8, 7, 8, 7, 8, 7, 8, 7)


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible random stream of ``seed`` for one purpose.

    Demo steps each take their own stream, so adding a step never changes the data of
    the steps before it.
    """
    key = [int.from_bytes(stream.encode("utf-8")[:16].ljust(16, b"\0"), "little")]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *key]))


def customer_external_id(index: np.ndarray | int, n: int) -> list[str] | str:
    """The external id of customer number ``index`` (0-based) in a demo of ``n``: C000001…"""
    width = max(6, len(str(n)))
    if isinstance(index, int | np.integer):
        return f"C{int(index) + 1:0{width}d}"
    return [f"C{i + 1:0{width}d}" for i in np.asarray(index).tolist()]


@dataclass(frozen=True, eq=False)
class DemoTruth:
    """Hidden ground truth of a demo company. Arrays are indexed by team, employee or
    customer number (0-based; customer ``i`` has external id ``customer_external_id(i, n)``)."""

    seed: int
    customers: int
    team_names: tuple[str, ...]
    team_quality: np.ndarray
    employee_team: np.ndarray
    employee_quality: np.ndarray
    region: np.ndarray
    channel: np.ndarray
    team: np.ndarray
    manager: np.ndarray
    people: np.ndarray
    product: np.ndarray
    process: np.ndarray
    satisfaction: np.ndarray
    loyalty: np.ndarray
    employee_satisfaction: np.ndarray

    def teams_frame(self) -> pd.DataFrame:
        """One row per team: ``team``, ``quality`` (higher is better)."""
        return pd.DataFrame({"team": list(self.team_names), "quality": self.team_quality})

    def employees_frame(self) -> pd.DataFrame:
        """One row per employee: ``external_id`` (E001…), ``team``, ``quality`` of the
        service they give, and their own ``satisfaction`` (for an employee survey)."""
        return pd.DataFrame(
            {
                "external_id": [f"E{i + 1:03d}" for i in range(self.employee_team.size)],
                "team": np.asarray(self.team_names, dtype=object)[self.employee_team],
                "quality": self.employee_quality,
                "satisfaction": self.employee_satisfaction,
            }
        )

    def customers_frame(self) -> pd.DataFrame:
        """One row per customer: ``external_id``, ``team``, the latent experiences,
        ``satisfaction`` and ``loyalty``."""
        n = self.customers
        return pd.DataFrame(
            {
                "external_id": customer_external_id(np.arange(n), n),
                "team": np.asarray(self.team_names, dtype=object)[self.team],
                "people": self.people,
                "product": self.product,
                "process": self.process,
                "satisfaction": self.satisfaction,
                "loyalty": self.loyalty,
            }
        )


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return np.asarray((x - x.mean()) / (sd if sd > 0 else 1.0), dtype=float)


def truth(seed: int, n: int) -> DemoTruth:
    """Draw the hidden ground truth of the demo company of ``n`` customers for ``seed``."""
    rng = rng_for(seed, "truth")
    team_names = tuple(TEAMS)
    n_teams = len(team_names)
    team_quality = rng.permutation(np.linspace(-1.0, 1.0, n_teams))
    sizes = rng.permutation(np.asarray(_TEAM_SIZES[:n_teams]))
    employee_team = np.repeat(np.arange(n_teams), sizes)
    employee_quality = team_quality[employee_team] + rng.normal(0.0, 0.3, employee_team.size)

    cities = list(CITIES)
    city_w = np.array([CITIES[c][1] for c in cities])
    region = rng.choice(len(cities), size=n, p=city_w / city_w.sum())
    channel = rng.choice(len(CHANNELS), size=n, p=np.asarray(CHANNEL_WEIGHTS))

    # Home team: one of the teams serving the customer's area, chosen uniformly.
    area_of_city = np.array([AREAS.index(CITIES[c][0]) for c in cities])
    area_of_team = np.array([AREAS.index(TEAMS[t]) for t in team_names])
    area = area_of_city[region]
    team = np.empty(n, dtype=np.int64)
    manager = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    v = rng.random(n)
    for a in range(len(AREAS)):
        in_area = area == a
        teams_here = np.flatnonzero(area_of_team == a)
        team[in_area] = teams_here[(u[in_area] * teams_here.size).astype(np.int64)]
    for t in range(n_teams):
        mine = team == t
        staff = np.flatnonzero(employee_team == t)
        manager[mine] = staff[(v[mine] * staff.size).astype(np.int64)]

    people = 0.8 * employee_quality[manager] + rng.normal(0.0, 0.6, n)
    product = rng.normal(0.0, 1.0, n)
    chan_effect = np.array([_CHANNEL_PROCESS[c] for c in CHANNELS])
    process = chan_effect[channel] + rng.normal(0.0, 0.95, n)
    w = DRIVER_WEIGHTS
    raw = w["people"] * people + w["product"] * product + w["process"] * process
    satisfaction = _standardise(raw + rng.normal(0.0, 0.5, n))
    b = LOYALTY_ON_SATISFACTION
    loyalty = b * satisfaction + np.sqrt(1.0 - b * b) * rng.normal(0.0, 1.0, n)
    dealer = channel == CHANNELS.index(PARADOX_CHANNEL)
    satisfaction = satisfaction + _PARADOX_SATISFACTION * dealer
    loyalty = loyalty + _PARADOX_LOYALTY * dealer
    # Satisfied staff serve better (DOMAIN.md §1): drawn last, so nothing above changes.
    noise = rng.normal(0.0, 1.0, employee_team.size)
    staff_sat = 0.6 * _standardise(employee_quality) + 0.8 * noise
    return DemoTruth(
        seed=int(seed),
        customers=int(n),
        team_names=team_names,
        team_quality=team_quality,
        employee_team=employee_team,
        employee_quality=employee_quality,
        region=region,
        channel=channel,
        team=team,
        manager=manager,
        people=people,
        product=product,
        process=process,
        satisfaction=satisfaction,
        loyalty=loyalty,
        employee_satisfaction=staff_sat,
    )
