"""Two anonymous employee-survey waves with a built-in moderate link to service quality.

Each team gets a *climate*: for the 8 service teams of the hidden truth it is
``0.6 · quality + 0.8 · noise`` (a correlation of about 0.6 with the quality that drives
their customers' satisfaction), except one team that breaks the pattern (its climate has
the opposite sign); the other teams draw theirs at random. About 80 % of the employees in
post answer each wave; their answers rise with the climate. The waves go through
:func:`cxm.people.surveys.create_wave` (invitees and hashed single-use links), and the
answers are written in bulk as the answering service stores them: the team, the wave and
the date, the links marked used — nothing about who answered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select, update

from cxm.demo.context import DemoContext
from cxm.demo.vocabulary import START
from cxm.org.models import Team
from cxm.people.models import EmployeeResponse, EmployeeToken
from cxm.people.surveys import create_wave
from cxm.surveys.tokens import hash_token

__all__ = ["WAVES", "fill_employee_waves"]

#: (name, days after the demo's start it opens, days open).
WAVES: tuple[tuple[str, int, int], ...] = (
    ("员工调查 2025", 200, 21),
    ("员工调查 2026", 565, 21),
)
_ITEMS = (
    "JS_OVERALL",
    "JS_RECOGNITION",
    "EG_ENERGY",
    "EG_PRIDE",
    "EB_TOOLS",
    "EB_TRAINING",
    "EB_AUTHORITY",
    "IS_STAY",
)
_RESPONSE_RATE = 0.8


def _climates(
    ctx: DemoContext, rng: np.random.Generator, teams: dict[str, int]
) -> dict[int, float]:
    truth = ctx.truth
    quality = dict(zip(truth.team_names, truth.team_quality, strict=True))
    spread = float(np.std(truth.team_quality)) or 1.0  # quality in standard units
    rebel = truth.team_names[int(rng.integers(len(truth.team_names)))]
    out: dict[int, float] = {}
    for name, team_id in teams.items():
        if name in quality:
            climate = 0.6 * float(quality[name]) / spread + 0.8 * float(rng.normal())
            out[team_id] = -climate if name == rebel else climate
        else:
            out[team_id] = float(rng.normal(0, 1))
    return out


def fill_employee_waves(ctx: DemoContext) -> None:
    rng = ctx.rng("people")
    with ctx.store.session() as s:
        teams = {name: team_id for team_id, name in s.execute(select(Team.id, Team.name))}
    climate = _climates(ctx, rng, teams)
    answered = 0
    for step, (name, offset, days) in enumerate(WAVES):
        opens = START + timedelta(days=offset)
        with ctx.store.session() as s:
            wave, links = create_wave(
                s, name=name, opens_on=opens, closes_on=opens + timedelta(days=days - 1)
            )
            responders = [link for link in links if rng.random() < _RESPONSE_RATE]
            rows: list[dict[str, Any]] = []
            for link in responders:
                latent = 3.4 + 0.45 * climate[link.team_id] + 0.1 * step + rng.normal(0, 0.6)
                answers: dict[str, Any] = {
                    code: float(np.clip(np.round(latent + rng.normal(0, 0.5)), 1, 5))
                    for code in _ITEMS
                }
                answers["ENPS"] = float(
                    np.clip(np.round(2 * latent - 0.5 + rng.normal(0, 1.2)), 0, 10)
                )
                rows.append(
                    {
                        "wave_id": wave.id,
                        "team_id": link.team_id,
                        "answered_on": opens + timedelta(days=int(rng.integers(days))),
                        "answers": answers,
                    }
                )
            if rows:
                rng.shuffle(rows)  # stored in no particular order
                s.execute(insert(EmployeeResponse), rows)
                used = [hash_token(link.token) for link in responders]
                for start in range(0, len(used), 500):
                    s.execute(
                        update(EmployeeToken)
                        .where(EmployeeToken.token_hash.in_(used[start : start + 500]))
                        .values(used=True)
                        .execution_options(synchronize_session=False)
                    )
            answered += len(rows)
        ctx.advance((step + 1) / len(WAVES))
    ctx.results["people"] = {"employee_waves": len(WAVES), "employee_responses": answered}
