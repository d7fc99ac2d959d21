"""Employee survey waves, anonymous answers and the employee index per team.

The store never holds who answered (see :mod:`cxm.people.models`): a wave writes the list
of invitees and, separately and in a random order, one single-use token per invitee that
carries only the invitee's team. Answering marks the token used — an atomic
``UPDATE … WHERE used = false`` so a link works once — and writes the answers with the team,
the wave and today's date. The links themselves exist only in the return value of
:func:`create_wave`, to be mailed or printed at once.

Results per team go through :func:`cxm.people.anonymity.suppress` over the team tree (a
team's result covers its sub-teams), with a company node on top, so no team below
``CXM_EMPLOYEE_MIN_GROUP`` respondents is shown or can be derived.
"""

from __future__ import annotations

import secrets
import warnings
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from cxm.audit import record
from cxm.errors import InputError, NotFound, Problem, ValidationFailed
from cxm.i18n import _
from cxm.org.hierarchy import sub_teams
from cxm.org.models import Employee, Team
from cxm.people.anonymity import Suppressed, suppress
from cxm.people.models import EmployeeInvitee, EmployeeResponse, EmployeeToken, EmployeeWave
from cxm.surveys.models import Questionnaire
from cxm.surveys.questionnaires import get_questionnaire, install_template, latest_version
from cxm.surveys.schema import QuestionnaireDef, QuestionType
from cxm.surveys.tokens import hash_token, looks_like_token, new_token
from cxm.surveys.validation import AnswerValue, validate_answers

__all__ = [
    "COMPANY",
    "CONSTRUCTS",
    "IssuedLink",
    "TeamIndex",
    "TrendPoint",
    "WaveIndex",
    "answer",
    "create_wave",
    "employee_index",
    "employee_trend",
    "ensure_employee_questionnaire",
    "team_comments",
]

#: The key of the whole company in suppression (team ids are positive).
COMPANY = 0

#: Code prefix → construct of the default instrument.
CONSTRUCTS: dict[str, str] = {
    "JS_": "job_satisfaction",
    "EG_": "engagement",
    "EB_": "enablement",
    "IS_": "intent_to_stay",
}


@dataclass(frozen=True)
class IssuedLink:
    """One invitee's link, returned once for mailing; the store keeps only its hash."""

    employee_id: int
    team_id: int
    token: str


def ensure_employee_questionnaire(session: Session) -> Questionnaire:
    """The questionnaire ``employee``, installed from the shipped template if absent."""
    found = session.scalar(select(Questionnaire).where(Questionnaire.code == "employee"))
    if found is not None:
        return found
    saved = install_template(session, name="employee")
    installed = session.get(Questionnaire, saved.questionnaire_id)
    assert installed is not None
    return installed


def _definition(session: Session, questionnaire: Questionnaire) -> tuple[int, QuestionnaireDef]:
    version = latest_version(session, questionnaire_id=questionnaire.id)
    return version.id, QuestionnaireDef.model_validate(version.definition)


def create_wave(
    session: Session,
    *,
    name: str,
    opens_on: date,
    closes_on: date,
    questionnaire_code: str = "employee",
    teams: Collection[str] | None = None,
    actor_id: int | None = None,
) -> tuple[EmployeeWave, list[IssuedLink]]:
    """A wave to every employee in a team on ``opens_on`` (hired by then, not yet left);
    ``teams`` (names) limits it to those teams and their sub-teams."""
    if closes_on < opens_on:
        raise InputError(
            _("The wave closes on {closes} before it opens on {opens}.").format(
                closes=closes_on.isoformat(), opens=opens_on.isoformat()
            )
        )
    if session.scalar(select(EmployeeWave.id).where(EmployeeWave.name == name)) is not None:
        raise InputError(_("A wave named {name} exists already.").format(name=name))
    if questionnaire_code == "employee":
        questionnaire = ensure_employee_questionnaire(session)
    else:
        questionnaire = get_questionnaire(session, code=questionnaire_code)
    version_id, definition = _definition(session, questionnaire)
    if definition.kind != "employee":
        raise InputError(
            _("Questionnaire {code} is not an employee questionnaire (kind: employee).").format(
                code=questionnaire_code
            )
        )
    team_filter: set[int] | None = None
    if teams is not None:
        by_name = {t.name: t.id for t in session.scalars(select(Team).where(Team.name.in_(teams)))}
        unknown = sorted(set(teams) - set(by_name))
        if unknown:
            raise InputError(
                _("Unknown team {team}: import the organisation first.").format(team=unknown[0])
            )
        team_filter = set(by_name.values()) | sub_teams(session, by_name.values())
    query = select(Employee.id, Employee.team_id).where(
        Employee.team_id.is_not(None),
        or_(Employee.hired_on.is_(None), Employee.hired_on <= opens_on),
        or_(Employee.left_on.is_(None), Employee.left_on >= opens_on),
    )
    people = [(e, t) for e, t in session.execute(query.order_by(Employee.id)) if t is not None]
    if team_filter is not None:
        people = [(e, t) for e, t in people if t in team_filter]
    if not people:
        raise InputError(_("Nobody to invite: no employee is in these teams on that day."))
    wave = EmployeeWave(
        questionnaire_id=questionnaire.id,
        version_id=version_id,
        name=name,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    session.add(wave)
    session.flush()
    session.add_all(EmployeeInvitee(wave_id=wave.id, employee_id=e) for e, _t in people)
    links = [IssuedLink(employee_id=e, team_id=t, token=new_token()) for e, t in people]
    shuffled = list(links)
    secrets.SystemRandom().shuffle(shuffled)  # token row order says nothing about invitees
    session.add_all(
        EmployeeToken(wave_id=wave.id, team_id=link.team_id, token_hash=hash_token(link.token))
        for link in shuffled
    )
    record(
        session,
        actor_id=actor_id,
        action="create",
        entity="employee_wave",
        entity_id=wave.id,
        after={"name": name, "invited": len(people), "questionnaire_id": questionnaire.id},
    )
    session.flush()
    return wave, links


def _invalid_link() -> InputError:
    return InputError(_("This survey link is not valid or has been used."))


def answer(session: Session, *, token: str, answers: Mapping[str, Any], today: date) -> None:
    """Record one anonymous response. All or nothing: a bad answer leaves the link unused."""
    if not looks_like_token(token):
        raise _invalid_link()
    digest = hash_token(token)
    row = session.execute(
        select(EmployeeToken.wave_id, EmployeeToken.team_id, EmployeeToken.used).where(
            EmployeeToken.token_hash == digest
        )
    ).first()
    if row is None or row.used:
        raise _invalid_link()
    wave = session.get(EmployeeWave, row.wave_id)
    assert wave is not None
    if not wave.opens_on <= today <= wave.closes_on:
        raise InputError(
            _("This survey is open from {opens} to {closes}.").format(
                opens=wave.opens_on.isoformat(), closes=wave.closes_on.isoformat()
            )
        )
    from cxm.surveys.models import QuestionnaireVersion

    version = session.get(QuestionnaireVersion, wave.version_id)
    assert version is not None
    definition = QuestionnaireDef.model_validate(version.definition)
    values: dict[str, AnswerValue] = {}
    problems: list[Problem] = []
    known = {q.code for q in definition.questions()}
    problems += [
        Problem(row=None, column=str(code)[:64], value=None, reason=_("Unknown question."))
        for code in answers
        if code not in known
    ]
    for page in definition.pages:
        raw = {q.code: answers.get(q.code) for q in page.questions}
        check = validate_answers(page, raw, earlier=values)
        values.update(check.values)
        problems += [
            Problem(row=None, column=code, value=str(answers.get(code))[:100], reason=reason)
            for code, reason in check.errors.items()
        ]
    if problems:
        raise ValidationFailed(_("The answers were not saved."), problems)
    claimed = session.execute(
        update(EmployeeToken)
        .where(and_(EmployeeToken.token_hash == digest, EmployeeToken.used.is_(False)))
        .values(used=True)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _invalid_link()  # another request used it first
    stored: dict[str, Any] = {}
    for code, value in values.items():
        if value.number is not None:
            stored[code] = value.number
        elif value.choices is not None:
            stored[code] = list(value.choices)
        elif value.text is not None:
            stored[code] = value.text
    session.add(
        EmployeeResponse(wave_id=wave.id, team_id=row.team_id, answered_on=today, answers=stored)
    )
    session.flush()


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class TeamIndex:
    """One team's result (its sub-teams included), or why it is withheld."""

    team_id: int
    name: str
    parent_id: int | None
    invited: int
    #: None where withheld: even how many of a small group answered is not shown.
    respondents: int | None
    shown: bool
    withheld: Suppressed | None = None
    index: float | None = None
    low: float | None = None
    high: float | None = None
    enps: float | None = None
    constructs: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class WaveIndex:
    wave_id: int
    wave: str
    minimum: int
    company: TeamIndex
    teams: list[TeamIndex]


def _respondent_scores(
    definition: QuestionnaireDef, answers: list[dict[str, Any]]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Per respondent: the index (0–100, mean of rating items rescaled), the eNPS class
    (+100 promoter, 0 passive, −100 detractor, NaN unanswered) and construct means."""
    ratings = [
        q
        for q in definition.questions()
        if q.scale() is not None and q.type != QuestionType.NPS and q.type != QuestionType.TEXT
    ]
    nps = [q for q in definition.questions() if q.type == QuestionType.NPS]
    n = len(answers)
    scaled = np.full((n, len(ratings)), np.nan)
    for j, q in enumerate(ratings):
        scale = q.scale()
        assert scale is not None
        lo, hi = scale
        for i, a in enumerate(answers):
            value = a.get(q.code)
            if isinstance(value, int | float):
                scaled[i, j] = (float(value) - lo) / (hi - lo) * 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of an all-NaN row → NaN
        index = np.nanmean(scaled, axis=1) if ratings else np.full(n, np.nan)
    enps = np.full(n, np.nan)
    if nps:
        for i, a in enumerate(answers):
            value = a.get(nps[0].code)
            if isinstance(value, int | float):
                enps[i] = 100.0 if value >= 9 else (-100.0 if value <= 6 else 0.0)
    constructs: dict[str, np.ndarray] = {}
    for prefix, construct in CONSTRUCTS.items():
        cols = [j for j, q in enumerate(ratings) if q.code.startswith(prefix)]
        if cols:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                constructs[construct] = np.nanmean(scaled[:, cols], axis=1)
    return index, enps, constructs


def _get_wave(session: Session, wave: str | int) -> EmployeeWave:
    if isinstance(wave, int):
        found = session.get(EmployeeWave, wave)
    else:
        found = session.scalar(select(EmployeeWave).where(EmployeeWave.name == wave))
    if found is None:
        raise NotFound(_("No employee survey wave {wave}.").format(wave=wave))
    return found


def employee_index(
    session: Session, *, wave: str | int, minimum: int | None = None, confidence: float = 0.95
) -> WaveIndex:
    """The employee index per team of one wave, small groups suppressed (primary and
    complementary). A team's figures cover its sub-teams."""
    from cxm.analytics._intervals import t_interval

    found = _get_wave(session, wave)
    from cxm.surveys.models import QuestionnaireVersion

    version = session.get(QuestionnaireVersion, found.version_id)
    assert version is not None
    definition = QuestionnaireDef.model_validate(version.definition)
    teams = {t.id: t for t in session.scalars(select(Team))}
    rows = session.execute(
        select(EmployeeResponse.team_id, EmployeeResponse.answers).where(
            EmployeeResponse.wave_id == found.id
        )
    ).all()
    invited_rows = session.execute(
        select(EmployeeToken.team_id).where(EmployeeToken.wave_id == found.id)
    ).all()
    team_of = np.array([r.team_id for r in rows], dtype=int)
    index, enps, constructs = _respondent_scores(definition, [dict(r.answers) for r in rows])
    direct: dict[int, int] = defaultdict(int)
    for t in team_of:
        direct[int(t)] += 1
    parents: dict[int, int | None] = {COMPANY: None}
    for t in teams.values():
        parents[t.id] = t.parent_id if t.parent_id in teams else COMPANY
    plan = suppress(parents, direct, minimum=minimum)
    # Members of each group: the team and everything below it.
    below: dict[int, set[int]] = {node: {node} for node in parents}
    for node in parents:
        up = parents[node]
        while up is not None:
            below[up].add(node)
            up = parents[up]
    invited: dict[int, int] = defaultdict(int)
    for r in invited_rows:
        invited[r.team_id] += 1

    def result(node: int) -> TeamIndex:
        members = below[node]
        mask = np.isin(team_of, list(members)) if len(team_of) else np.zeros(0, dtype=bool)
        name = teams[node].name if node in teams else _("Company")
        parent = parents[node]
        withheld = TeamIndex(
            team_id=node,
            name=name,
            parent_id=parent,
            invited=sum(invited[m] for m in members),
            respondents=None,
            shown=False,
            withheld=plan.withheld.get(node),
        )
        if not plan.shows(node):
            return withheld
        values = index[mask]
        values = values[np.isfinite(values)]
        n = float(len(values))
        mean = float(values.mean()) if n else float("nan")
        se = float(values.std(ddof=1) / np.sqrt(n)) if n >= 2 else float("nan")
        low, high = t_interval(np.array([mean]), np.array([se]), np.array([n]), confidence)
        e = enps[mask]
        e = e[np.isfinite(e)]
        return replace(
            withheld,
            respondents=int(mask.sum()),
            shown=True,
            withheld=None,
            index=round(mean, 2),
            low=round(float(low[0]), 2),
            high=round(float(high[0]), 2),
            enps=round(float(e.mean()), 1) if len(e) else None,
            constructs={
                c: round(float(np.nanmean(v[mask])), 2)
                for c, v in constructs.items()
                if np.isfinite(v[mask]).any()
            },
        )

    return WaveIndex(
        wave_id=found.id,
        wave=found.name,
        minimum=plan.minimum,
        company=result(COMPANY),
        teams=[result(t) for t in sorted(teams, key=lambda t: teams[t].name)],
    )


def team_comments(
    session: Session, *, wave: str | int, team_id: int, minimum: int | None = None
) -> list[str]:
    """The free texts of a team (sub-teams included), only where its result is shown."""
    result = employee_index(session, wave=wave, minimum=minimum)
    shown = {t.team_id: t for t in result.teams if t.shown}
    if team_id not in shown:
        raise InputError(
            _("Comments of this team are not shown: fewer than {minimum} people answered.").format(
                minimum=result.minimum
            )
        )
    members = {team_id} | sub_teams(session, [team_id])
    found = _get_wave(session, wave)
    texts = []
    for answers in session.scalars(
        select(EmployeeResponse.answers).where(
            EmployeeResponse.wave_id == found.id, EmployeeResponse.team_id.in_(members)
        )
    ):
        for value in answers.values():
            if isinstance(value, str) and value.strip():
                texts.append(value)
    return sorted(texts)  # sorted, not in answer order


@dataclass(frozen=True)
class TrendPoint:
    team_id: int
    name: str
    wave: str
    opens_on: date
    shown: bool
    index: float | None
    low: float | None
    high: float | None
    change: float | None  # index minus the team's previous shown wave


def employee_trend(session: Session, *, minimum: int | None = None) -> list[TrendPoint]:
    """The index of every team (and the company, team 0) in every wave, oldest first, with
    the change since the team's previous wave where both are shown."""
    points: list[TrendPoint] = []
    last: dict[int, float] = {}
    for wave in session.scalars(select(EmployeeWave).order_by(EmployeeWave.opens_on)):
        result = employee_index(session, wave=wave.id, minimum=minimum)
        for t in [result.company, *result.teams]:
            change = None
            if t.shown and t.index is not None:
                if t.team_id in last:
                    change = round(t.index - last[t.team_id], 2)
                last[t.team_id] = t.index
            points.append(
                TrendPoint(
                    team_id=t.team_id,
                    name=t.name,
                    wave=wave.name,
                    opens_on=wave.opens_on,
                    shown=t.shown,
                    index=t.index,
                    low=t.low,
                    high=t.high,
                    change=change,
                )
            )
    return points
