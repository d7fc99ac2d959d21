"""Linkage from the store: the frames read per wave period, and a planted link found."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from cxm.analytics.linkage import linkage
from cxm.customers.codes import JourneyStage
from cxm.customers.models import Customer, Purchase, Touchpoint
from cxm.org.models import CustomerAssignment, Team
from cxm.people.linkage_data import linkage_frames
from cxm.people.organisation import import_org_file
from cxm.people.surveys import answer, create_wave
from cxm.store import Store
from cxm.surveys.models import Answer, Invitation, InvitationKind, InvitationStatus, Response
from cxm.surveys.questionnaires import install_template, latest_version
from tests.people.test_employee_surveys import _answers

TEAMS = 10


def _org(store: Store, folder: Path) -> dict[str, int]:
    units = "code,name,kind,parent\nHQ,Company,company,\n"
    teams = "team,unit,parent,lead\n" + "".join(f"t{i},HQ,,\n" for i in range(TEAMS))
    people = "external_id,name,team,unit,job,hired_on,left_on,staff_user\n" + "".join(
        f"E{i}-{j},E,t{i},,agent,2020-01-01,,\n" for i in range(TEAMS) for j in range(6)
    )
    from sqlalchemy import select

    with store.session() as s:
        for kind, text in (("units", units), ("teams", teams), ("employees", people)):
            path = folder / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            import_org_file(s, kind=kind, path=path)
        return {t.name: t.id for t in s.scalars(select(Team))}


def _plant(store: Store, tmp_path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Ten teams of six; employee answers at the team's quality level (1–5), eight customers
    per team rating CSAT 5 + quality ± 1, one churner, a purchase and a complaint each."""
    teams = _org(store, tmp_path)
    quality = {f"t{i}": i % 5 + 1 for i in range(TEAMS)}  # 1..5, employee answers level
    with store.session() as s:
        _, links = create_wave(s, name="w1", opens_on=date(2026, 1, 1), closes_on=date(2026, 1, 31))
        name_of = {v: k for k, v in teams.items()}
        for link in links:
            level = quality[name_of[link.team_id]]
            answer(s, token=link.token, answers=_answers(level, 8), today=date(2026, 1, 5))
        saved = install_template(s, name="ccsi")
        qid, vid = (
            saved.questionnaire_id,
            latest_version(s, questionnaire_id=saved.questionnaire_id).id,
        )
        done = datetime(2026, 3, 1, 12, tzinfo=UTC)
        n = 0
        for team, q in quality.items():
            for k in range(8):
                n += 1
                c = Customer(external_id=f"C{n}", acquired_on=date(2024, 1, 1))
                if k == 0:
                    c.churned_on = date(2026, 6, 1)
                s.add(c)
                s.flush()
                s.add(
                    CustomerAssignment(
                        customer_id=c.id, team_id=teams[team], starts_on=date(2025, 1, 1)
                    )
                )
                inv = Invitation(
                    kind=InvitationKind.WAVE, questionnaire_id=qid, customer_id=c.id,
                    status=InvitationStatus.COMPLETED, expires_at=done,
                )  # fmt: skip
                s.add(inv)
                s.flush()
                r = Response(
                    invitation_id=inv.id, version_id=vid, questionnaire_id=qid,
                    customer_id=c.id, completed_at=done,
                )  # fmt: skip
                s.add(r)
                s.flush()
                rating = 5 + q + (k % 3 - 1)  # the planted link: team quality + noise
                s.add(Answer(response_id=r.id, question_code="CUSA1", number=float(rating)))
                s.add(Answer(response_id=r.id, question_code="NPS", number=float(q * 2)))
            s.add(
                Purchase(
                    external_id=f"P{team}", customer_id=c.id, purchased_on=date(2026, 2, 1),
                    product="x", quantity=Decimal(1), revenue=Decimal("100.00"),
                    cost=Decimal("40.00"),
                )
            )  # fmt: skip
            s.add(
                Touchpoint(
                    external_id=f"K{team}", customer_id=c.id, stage=JourneyStage.COMPLAINT,
                    occurred_at=datetime(2026, 2, 2, tzinfo=UTC), team_id=teams[team],
                )
            )  # fmt: skip
    return teams, quality


def test_frames_and_a_planted_link(store: Store, tmp_path: Path) -> None:
    teams, _quality = _plant(store, tmp_path)
    with store.session() as s:
        frames = linkage_frames(s, minimum=5)
    assert frames.periods == [("w1", date(2026, 1, 1), date(2027, 1, 1))]
    assert len(frames.employee) == TEAMS and set(frames.employee["period"]) == {"2026-01-01"}
    index = dict(zip(frames.employee["team_id"], frames.employee["employee_index"], strict=True))
    assert index[teams["t2"]] == pytest.approx(50.0)  # level 3 on 1–5
    customers = frames.customers
    assert len(customers) == TEAMS * 8
    last = customers[customers["customer_id"] == customers["customer_id"].max()].iloc[0]
    assert last["profit"] == pytest.approx(60.0) and last["complaints"] == 1
    assert int(customers["churned"].sum()) == TEAMS
    result = linkage(frames.employee, frames.customers, outcomes=("csat", "nps"), resamples=1000)
    csat = result.links[0]
    assert csat.pearson is not None and csat.pearson.excludes_zero and csat.pearson.r > 0.9
    per_team = customers.groupby("team_id")["csat"].mean()
    x = [index[t] for t in per_team.index]
    assert csat.pearson.r == pytest.approx(np.corrcoef(x, per_team.to_numpy())[0, 1])


def test_team_path_frame_and_model_from_the_store(store: Store, tmp_path: Path) -> None:
    from cxm.people.path_model import CONSTRUCT_ITEMS, team_path_frame, team_path_model
    from tests.people.factories import rate

    teams, quality = _plant(store, tmp_path)
    with store.session() as s:
        for i, (team, q) in enumerate(quality.items()):
            for k in range(3):  # moments of truth handled by the team, rated with its quality
                rate(
                    s,
                    n=1000 + 10 * i + k,
                    team_id=teams[team],
                    employee_id=None,
                    when=datetime(2026, 2, 3 + k, 10, tzinfo=UTC),
                    score=float(min(5, q + k % 2)),
                )
    with store.session() as s:
        frame = team_path_frame(s, minimum=5)
    assert list(frame.columns) == ["team_id", "period", *CONSTRUCT_ITEMS]
    assert len(frame) == TEAMS and frame[list(CONSTRUCT_ITEMS)].notna().all().all()
    row = frame[frame["team_id"] == teams["t2"]].iloc[0]
    assert row["job_satisfaction"] == pytest.approx(50.0)  # level 3 on 1–5
    assert row["service_csat"] == pytest.approx((3 + 4 + 3) / 3)
    # 8 surveyed customers + 3 served at the touchpoints, one churner among them.
    assert row["retention"] == pytest.approx(1 - 1 / 11)
    result = team_path_model(frame, resamples=200, min_teams=8)
    assert result.estimated and result.teams == TEAMS
    es_sq = next(p for p in result.paths if (p.source, p.target) == ("ES", "SQ"))
    assert es_sq.estimate > 0.5  # the planted chain
    assert not team_path_model(frame, resamples=50).estimated  # 10 < 39 teams by default
