"""Service scorecard: direct standardisation reverses Simpson's paradox, checked on the
published kidney-stone example (Charig et al. 1986, BMJ 292:879; discussed as Simpson's
paradox by Julious & Mullee 1994, BMJ 309:1480), and the store read on SQLite/PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from cxm.customers.codes import JourneyStage
from cxm.customers.models import Customer, Touchpoint
from cxm.errors import InputError
from cxm.org.models import CustomerAssignment, Employee
from cxm.people.scorecard import employee_scorecard, standardise, team_scorecard
from cxm.store import Store
from cxm.surveys.models import Answer, Invitation, InvitationKind, InvitationStatus, Response
from cxm.surveys.moments import moment_questionnaire_id
from tests.people.factories import build_people


def _binary(team: str, stratum: str, successes: int, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"team_id": team, "stratum": stratum, "value": [1.0] * successes + [0.0] * (n - successes)}
    )


def test_standardisation_reverses_the_kidney_stone_paradox() -> None:
    # "Team" A = open surgery, B = percutaneous nephrolithotomy; success = satisfied.
    frame = pd.concat(
        [
            _binary("A", "small", 81, 87),
            _binary("A", "large", 192, 263),
            _binary("B", "small", 234, 270),
            _binary("B", "large", 55, 80),
        ]
    )
    out: dict[Any, Any] = standardise(frame, min_n=30).set_index("team_id").to_dict("index")
    # Crude: B looks better (83 % vs 78 %) …
    assert out["A"]["crude"] == pytest.approx(273 / 350)
    assert out["B"]["crude"] == pytest.approx(289 / 350)
    assert out["B"]["crude"] > out["A"]["crude"]
    # … adjusted to the combined mix (357 small, 343 large) A is better, as in each stratum.
    a = (357 * 81 / 87 + 343 * 192 / 263) / 700
    b = (357 * 234 / 270 + 343 * 55 / 80) / 700
    assert out["A"]["adjusted"] == pytest.approx(a)  # 0.8325
    assert out["B"]["adjusted"] == pytest.approx(b)  # 0.7789
    assert out["A"]["adjusted"] > out["B"]["adjusted"]
    assert not any(row["partial"] or row["small"] for row in out.values())


def test_simulated_paradox_is_reversed_and_the_interval_covers_the_truth() -> None:
    rng = np.random.default_rng(19)
    # Segment "hard" rates 1.5 points lower. Team X serves mostly easy customers and is
    # 0.3 points worse within each segment than team Y, which serves mostly hard ones.
    rows = []
    for team, effect, share_hard in (("X", -0.3, 0.1), ("Y", 0.0, 0.9)):
        for _ in range(2000):
            hard = rng.random() < share_hard
            rows.append((team, "hard" if hard else "easy", 4 - 1.5 * hard + effect + rng.normal()))
    frame = pd.DataFrame(rows, columns=["team_id", "stratum", "value"])
    out: dict[Any, Any] = standardise(frame).set_index("team_id").to_dict("index")
    assert out["X"]["crude"] > out["Y"]["crude"]
    assert out["X"]["adjusted"] < out["Y"]["adjusted"]
    diff = out["Y"]["adjusted"] - out["X"]["adjusted"]
    assert diff == pytest.approx(0.3, abs=0.15)


def test_a_team_missing_a_stratum_is_flagged_partial() -> None:
    frame = pd.concat(
        [_binary("A", "s1", 3, 5), _binary("B", "s1", 2, 4), _binary("B", "s2", 1, 4)]
    )
    out: dict[Any, Any] = standardise(frame, min_n=6).set_index("team_id").to_dict("index")
    assert bool(out["A"]["partial"]) and not bool(out["B"]["partial"])
    assert bool(out["A"]["small"]) and not bool(out["B"]["small"])
    assert out["A"]["adjusted"] == pytest.approx(0.6)


def test_team_scorecard_from_the_store(store: Store, tmp_path: Path) -> None:
    teams = build_people(store, tmp_path)
    when = datetime(2026, 2, 10, 10, tzinfo=UTC)
    with store.session() as s:
        staff = {
            e.team_id: e.id for e in s.scalars(select(Employee).order_by(Employee.external_id))
        }
        qid = moment_questionnaire_id(s)
        from cxm.surveys.questionnaires import latest_version

        vid = latest_version(s, questionnaire_id=qid).id
        # alpha: 9 branch customers rated 5, 1 phone rated 3 → crude 4.8
        # beta: 1 branch rated 5, 9 phone rated 4 → crude 4.1, but better within phone.
        plan = [("alpha", "branch", 5.0)] * 9 + [("alpha", "phone", 3.0)]
        plan += [("beta", "branch", 5.0)] + [("beta", "phone", 4.0)] * 9
        for n, (team, channel, score) in enumerate(plan, start=1):
            c = Customer(external_id=f"C{n}", channel=channel, acquired_on=date(2025, 1, 1))
            s.add(c)
            s.flush()
            s.add(
                CustomerAssignment(
                    customer_id=c.id, team_id=teams[team], starts_on=date(2025, 1, 1)
                )
            )
            tp = Touchpoint(
                external_id=f"T{n}",
                customer_id=c.id,
                occurred_at=when + timedelta(minutes=n),
                stage=JourneyStage.AFTER_SALE,
                team_id=teams[team],
                employee_id=staff[teams[team]],
            )
            s.add(tp)
            s.flush()
            inv = Invitation(
                kind=InvitationKind.TOUCHPOINT,
                questionnaire_id=qid,
                customer_id=c.id,
                touchpoint_id=tp.id,
                team_id=teams[team],
                status=InvitationStatus.COMPLETED,
                expires_at=when + timedelta(days=14),
            )
            s.add(inv)
            s.flush()
            r = Response(
                invitation_id=inv.id,
                version_id=vid,
                questionnaire_id=qid,
                customer_id=c.id,
                touchpoint_id=tp.id,
                team_id=teams[team],
                completed_at=when + timedelta(hours=1),
            )
            s.add(r)
            s.flush()
            s.add(Answer(response_id=r.id, question_code="MOT_SAT", number=score))
        s.add(
            Touchpoint(
                external_id="COMPLAINT1",
                customer_id=c.id,
                occurred_at=when,
                stage=JourneyStage.COMPLAINT,
                team_id=teams["beta"],
                employee_id=staff[teams["beta"]],
            )
        )
    with store.session() as s:
        cards = {
            c.team: c
            for c in team_scorecard(s, since=date(2026, 2, 1), until=date(2026, 2, 28), min_n=5)
        }
    alpha, beta = cards["alpha"], cards["beta"]
    assert alpha.answers == beta.answers == 10
    assert alpha.csat == pytest.approx(4.8) and beta.csat == pytest.approx(4.1)
    # Standard mix: 10 branch, 10 phone → alpha (5+3)/2 = 4, beta (5+4)/2 = 4.5.
    assert alpha.csat_adjusted == pytest.approx(4.0) and beta.csat_adjusted == pytest.approx(4.5)
    assert beta.complaints == 1 and beta.complaints_per_1000 == pytest.approx(100.0)
    assert cards["gamma"].answers == 0 and cards["gamma"].small and cards["gamma"].csat is None
    with store.session() as s:
        people = employee_scorecard(s, since=date(2026, 2, 1), until=date(2026, 2, 28), min_n=5)
    by_team = {p.team: p for p in people}  # one serving employee per team here
    assert set(by_team) == {"alpha", "beta"} and by_team["alpha"].answers == 10
    assert by_team["alpha"].csat_adjusted == pytest.approx(4.0)
    assert by_team["beta"].csat_adjusted == pytest.approx(4.5)
    assert (by_team["alpha"].complaints, by_team["beta"].complaints) == (0, 1)
    assert by_team["beta"].employee_id == staff[teams["beta"]]
    with store.session() as s, pytest.raises(InputError, match="Cannot adjust by colour"):
        team_scorecard(s, since=date(2026, 2, 1), until=date(2026, 2, 28), by="colour")
