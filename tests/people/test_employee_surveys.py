"""Employee surveys: single-use links, answers stored without who or when, the employee
index per team with primary and complementary suppression (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from cxm.errors import InputError, ValidationFailed
from cxm.people.anonymity import Suppressed
from cxm.people.models import EmployeeInvitee, EmployeeResponse, EmployeeToken
from cxm.people.surveys import (
    COMPANY,
    IssuedLink,
    answer,
    create_wave,
    employee_index,
    team_comments,
)
from cxm.store import Store
from tests.people.factories import SIZES, build_people

OPENS, CLOSES = date(2026, 3, 1), date(2026, 3, 31)


def _answers(level: int, enps: int, comment: str | None = None) -> dict[str, object]:
    """Every rating item at ``level`` (1–5)."""
    out: dict[str, object] = dict.fromkeys(
        (
            "JS_OVERALL",
            "JS_RECOGNITION",
            "EG_ENERGY",
            "EG_PRIDE",
            "EB_TOOLS",
            "EB_TRAINING",
            "EB_AUTHORITY",
            "IS_STAY",
        ),
        level,
    )
    out["ENPS"] = enps
    if comment:
        out["COMMENT"] = comment
    return out


def _wave(store: Store, tmp_path: Path) -> tuple[dict[str, int], list[IssuedLink]]:
    teams = build_people(store, tmp_path)
    with store.session() as s:
        _, links = create_wave(s, name="2026 spring", opens_on=OPENS, closes_on=CLOSES)
    return teams, links


def test_a_wave_invites_the_people_in_post(store: Store, tmp_path: Path) -> None:
    _teams, links = _wave(store, tmp_path)
    assert len(links) == sum(SIZES.values())  # not the leaver, not the late hire
    assert len({link.token for link in links}) == len(links)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(EmployeeInvitee)) == len(links)
        hashes = set(s.scalars(select(EmployeeToken.token_hash)))
    assert not any(link.token in hashes for link in links)  # only hashes are stored
    columns = {c["name"] for c in inspect(store.engine).get_columns("employee_survey_tokens")}
    # The declared attributes' bands and a team code's remaining answers; no employee, no time.
    assert columns == {"id", "wave_id", "team_id", "token_hash", "used", "attributes", "remaining"}


def test_an_answer_keeps_only_team_wave_and_date(store: Store, tmp_path: Path) -> None:
    _teams, links = _wave(store, tmp_path)
    link = links[0]
    with store.session() as s:
        answer(s, token=link.token, answers=_answers(4, 9), today=date(2026, 3, 5))
    columns = {c["name"] for c in inspect(store.engine).get_columns("employee_survey_responses")}
    assert columns == {"id", "wave_id", "team_id", "answered_on", "answers", "attributes"}
    with store.session() as s:
        response = s.scalars(select(EmployeeResponse)).one()
        assert response.team_id == link.team_id
        assert response.answered_on == date(2026, 3, 5)
        assert response.answers["ENPS"] == 9
        assert s.scalar(select(func.count()).where(EmployeeToken.used.is_(True))) == 1
    with store.session() as s, pytest.raises(InputError, match="not valid or has been used"):
        answer(s, token=link.token, answers=_answers(4, 9), today=date(2026, 3, 5))


def test_a_bad_answer_saves_nothing_and_leaves_the_link_usable(
    store: Store, tmp_path: Path
) -> None:
    _, links = _wave(store, tmp_path)
    bad = _answers(4, 9)
    bad["EB_TOOLS"] = 9  # the scale is 1–5
    bad["NOPE"] = 1
    with store.session() as s, pytest.raises(ValidationFailed) as info:
        answer(s, token=links[0].token, answers=bad, today=date(2026, 3, 5))
    columns = {p.column for p in info.value.problems}
    assert columns == {"EB_TOOLS", "NOPE"}
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(EmployeeResponse)) == 0
        answer(s, token=links[0].token, answers=_answers(4, 9), today=date(2026, 3, 5))


def test_closed_wave_unknown_link_and_bad_wave(store: Store, tmp_path: Path) -> None:
    _, links = _wave(store, tmp_path)
    with store.session() as s, pytest.raises(InputError, match="open from 2026-03-01"):
        answer(s, token=links[0].token, answers=_answers(4, 9), today=date(2026, 4, 1))
    with store.session() as s, pytest.raises(InputError, match="not valid"):
        answer(s, token="x" * 32, answers=_answers(4, 9), today=date(2026, 3, 2))
    with store.session() as s, pytest.raises(InputError, match="closes on 2026-01-01"):
        create_wave(s, name="w", opens_on=OPENS, closes_on=date(2026, 1, 1))
    with store.session() as s, pytest.raises(InputError, match="exists already"):
        create_wave(s, name="2026 spring", opens_on=OPENS, closes_on=CLOSES)
    with store.session() as s, pytest.raises(InputError, match="Unknown team nowhere"):
        create_wave(s, name="w2", opens_on=OPENS, closes_on=CLOSES, teams=["nowhere"])


def test_index_suppresses_small_teams_and_their_complement(store: Store, tmp_path: Path) -> None:
    teams, links = _wave(store, tmp_path)
    name_of = {v: k for k, v in teams.items()}
    level = {"alpha": 5, "alpha-night": 1, "beta": 3, "gamma": 2}
    with store.session() as s:
        for link in links:  # everyone answers
            team = name_of[link.team_id]
            answer(
                s,
                token=link.token,
                answers=_answers(level[team], 10 if team == "alpha" else 5, f"from {team}"),
                today=date(2026, 3, 9),
            )
    with store.session() as s:
        result = employee_index(s, wave="2026 spring", minimum=5)
    by_name = {t.name: t for t in result.teams}
    # alpha-night (3) and gamma (4) are small; publishing company, alpha and beta would give
    # gamma as company − alpha − beta, so beta (the smaller large sibling) is withheld too.
    assert by_name["alpha-night"].withheld is Suppressed.SMALL
    assert by_name["gamma"].withheld is Suppressed.SMALL
    assert by_name["beta"].withheld is Suppressed.COMPLEMENTARY
    assert [t.name for t in result.teams if t.shown] == ["alpha"]
    for hidden in ("alpha-night", "gamma", "beta"):
        t = by_name[hidden]
        assert t.index is None and t.low is None and t.enps is None and not t.constructs
        assert t.respondents is None
    alpha = by_name["alpha"]  # 6 at level 5 and 3 (alpha-night) at level 1
    assert alpha.respondents == 9 and alpha.invited == 9
    assert alpha.index == pytest.approx((6 * 100 + 3 * 0) / 9, abs=0.01)
    assert alpha.enps == pytest.approx((6 * 100 - 3 * 100) / 9, abs=0.1)
    assert alpha.low is not None and alpha.index is not None and alpha.low < alpha.index
    company = result.company
    assert company.team_id == COMPANY and company.shown and company.respondents == 21
    # What is published reveals nothing below 5: the company minus alpha is 12 people.
    assert company.respondents - alpha.respondents >= 5
    with store.session() as s:
        assert len(team_comments(s, wave="2026 spring", team_id=teams["alpha"], minimum=5)) == 9
        with pytest.raises(InputError, match="fewer than 5 people"):
            team_comments(s, wave="2026 spring", team_id=teams["gamma"], minimum=5)


def test_index_minimum_below_three_is_refused(store: Store, tmp_path: Path) -> None:
    _wave(store, tmp_path)
    with store.session() as s, pytest.raises(InputError, match="may not be below 3"):
        employee_index(s, wave="2026 spring", minimum=2)
