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
from cxm.store.kept import forget_with_kept
from cxm.surveys.models import Questionnaire, QuestionnaireVersion
from cxm.surveys.questionnaires import get_questionnaire, install_template, latest_version
from cxm.surveys.schema import QuestionnaireDef, QuestionType
from cxm.surveys.tokens import hash_token, looks_like_token, new_token
from cxm.surveys.validation import AnswerValue, validate_answers

__all__ = [
    "ATTRIBUTES",
    "COMPANY",
    "CONSTRUCTS",
    "AttributeCut",
    "CutCell",
    "IssuedLink",
    "OpenLink",
    "TeamIndex",
    "TrendPoint",
    "WaveIndex",
    "answer",
    "attribute_cuts",
    "create_wave",
    "employee_index",
    "employee_trend",
    "ensure_employee_questionnaire",
    "open_link",
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


#: Attributes a wave may declare for cuts, and how an employee's band is worked out.
ATTRIBUTES: tuple[str, ...] = ("tenure", "role")

#: At most this many attributes per wave (issue 19: the team hierarchy plus at most three).
MAX_ATTRIBUTES = 3

#: Tenure bands on the day the wave opens: (code, fewer than this many years).
TENURE_BANDS: tuple[tuple[str, float], ...] = (
    ("<1y", 1.0),
    ("1-3y", 3.0),
    ("3-5y", 5.0),
    ("5y+", float("inf")),
)

#: The band of an attribute nobody recorded (and of every attribute for a team code).
UNKNOWN = "unknown"


def tenure_band(hired_on: date | None, on: date) -> str:
    if hired_on is None:
        return UNKNOWN
    years = (on - hired_on).days / 365.25
    return next(code for code, upper in TENURE_BANDS if years < upper)


def _bands(
    attributes: Collection[str], *, hired_on: date | None, job: str | None, on: date
) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in attributes:
        if name == "tenure":
            out[name] = tenure_band(hired_on, on)
        elif name == "role":
            out[name] = (job or "").strip().lower() or UNKNOWN
    return out


def check_attributes(attributes: Collection[str]) -> list[str]:
    """The declared attributes, in a fixed order; unknown names or more than three refused."""
    wanted = list(dict.fromkeys(attributes))
    unknown = [a for a in wanted if a not in ATTRIBUTES]
    if unknown:
        raise InputError(
            _("Unknown attribute {name}: use {allowed}.").format(
                name=unknown[0], allowed=", ".join(ATTRIBUTES)
            )
        )
    if len(wanted) > MAX_ATTRIBUTES:
        raise InputError(
            _("At most {n} attributes may be declared for a wave.").format(n=MAX_ATTRIBUTES)
        )
    return [a for a in ATTRIBUTES if a in wanted]


@dataclass(frozen=True)
class IssuedLink:
    """One invitee's link (or one team's code), returned once for mailing or printing; the
    store keeps only its hash. A team code has no employee and accepts ``capacity``
    answers — as many as the team has invitees."""

    employee_id: int | None
    team_id: int
    token: str
    capacity: int = 1


def ensure_employee_questionnaire(session: Session) -> Questionnaire:
    """The questionnaire ``employee``, installed from the shipped template if absent."""
    found = session.scalar(select(Questionnaire).where(Questionnaire.code == "employee"))
    if found is not None:
        return found
    saved = install_template(session, name="employee")
    installed = session.get_one(Questionnaire, saved.questionnaire_id)
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
    attributes: Collection[str] = (),
    team_codes: bool = False,
    actor_id: int | None = None,
) -> tuple[EmployeeWave, list[IssuedLink]]:
    """A wave to every employee in a team on ``opens_on`` (hired by then, not yet left);
    ``teams`` (names) limits it to those teams and their sub-teams.

    ``attributes`` (at most three of :data:`ATTRIBUTES`) are the cuts results may be shown
    by besides the team tree: each link carries the invitee's band (tenure on the opening
    day, role), copied to the answer. With ``team_codes`` each team gets one code that
    accepts as many answers as it has invitees, instead of personal links (for staff with
    no e-mail); such answers carry no attribute band."""
    declared = check_attributes(attributes)
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
    query = select(Employee.id, Employee.team_id, Employee.hired_on, Employee.job).where(
        Employee.team_id.is_not(None),
        or_(Employee.hired_on.is_(None), Employee.hired_on <= opens_on),
        or_(Employee.left_on.is_(None), Employee.left_on >= opens_on),
    )
    found = [r for r in session.execute(query.order_by(Employee.id)) if r.team_id is not None]
    if team_filter is not None:
        found = [r for r in found if r.team_id in team_filter]
    people = [(r.id, int(r.team_id)) for r in found]
    bands = {r.id: _bands(declared, hired_on=r.hired_on, job=r.job, on=opens_on) for r in found}
    if not people:
        raise InputError(_("Nobody to invite: no employee is in these teams on that day."))
    wave = EmployeeWave(
        questionnaire_id=questionnaire.id,
        version_id=version_id,
        name=name,
        opens_on=opens_on,
        closes_on=closes_on,
        attributes=declared,
    )
    session.add(wave)
    session.flush()
    session.add_all(EmployeeInvitee(wave_id=wave.id, employee_id=e) for e, _t in people)
    if team_codes:
        heads: dict[int, int] = defaultdict(int)
        for _e, t in people:
            heads[t] += 1
        links = [
            IssuedLink(employee_id=None, team_id=t, token=new_token(), capacity=n)
            for t, n in sorted(heads.items())
        ]
        session.add_all(
            EmployeeToken(
                wave_id=wave.id,
                team_id=link.team_id,
                token_hash=hash_token(link.token),
                attributes={},
                remaining=link.capacity,
            )
            for link in links
        )
    else:
        links = [IssuedLink(employee_id=e, team_id=t, token=new_token()) for e, t in people]
        shuffled = list(links)
        secrets.SystemRandom().shuffle(shuffled)  # token row order says nothing about invitees
        session.add_all(
            EmployeeToken(
                wave_id=wave.id,
                team_id=link.team_id,
                token_hash=hash_token(link.token),
                attributes=bands[link.employee_id] if link.employee_id is not None else {},
            )
            for link in shuffled
        )
    record(
        session,
        actor_id=actor_id,
        action="create",
        entity="employee_wave",
        entity_id=wave.id,
        after={
            "name": name,
            "invited": len(people),
            "questionnaire_id": questionnaire.id,
            "attributes": declared,
            "team_codes": team_codes,
        },
    )
    session.flush()
    return wave, links


def _invalid_link() -> InputError:
    return InputError(_("This survey link is not valid or has been used."))


@dataclass(frozen=True)
class OpenLink:
    """What the answering page needs to know about a valid, unused link."""

    wave: EmployeeWave
    definition: QuestionnaireDef
    team_id: int
    attributes: dict[str, str]
    team_code: bool


def open_link(session: Session, *, token: str, today: date) -> OpenLink:
    """The wave and questionnaire behind a link, refused (one message for every bad or used
    link, so a guess learns nothing) when it is unknown or used up, or outside the wave's
    dates."""
    if not looks_like_token(token):
        raise _invalid_link()
    row = session.execute(
        select(
            EmployeeToken.wave_id,
            EmployeeToken.team_id,
            EmployeeToken.used,
            EmployeeToken.attributes,
            EmployeeToken.remaining,
        ).where(EmployeeToken.token_hash == hash_token(token))
    ).first()
    if row is None or row.used or (row.remaining is not None and row.remaining <= 0):
        raise _invalid_link()
    wave = session.get_one(EmployeeWave, row.wave_id)
    if not wave.opens_on <= today <= wave.closes_on:
        raise InputError(
            _("This survey is open from {opens} to {closes}.").format(
                opens=wave.opens_on.isoformat(), closes=wave.closes_on.isoformat()
            )
        )
    version = session.get_one(QuestionnaireVersion, wave.version_id)
    return OpenLink(
        wave=wave,
        definition=QuestionnaireDef.model_validate(version.definition),
        team_id=int(row.team_id),
        attributes=dict(row.attributes or {}),
        team_code=row.remaining is not None,
    )


def answer(session: Session, *, token: str, answers: Mapping[str, Any], today: date) -> None:
    """Record one anonymous response. All or nothing: a bad answer leaves the link unused.

    A personal link works once; a team code as many times as it has answers left. The
    answer keeps the team, the wave, the declared attributes' bands and the date."""
    link = open_link(session, token=token, today=today)
    digest = hash_token(token)
    wave, definition = link.wave, link.definition
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
    if link.team_code:
        claimed = session.execute(
            update(EmployeeToken)
            .where(and_(EmployeeToken.token_hash == digest, EmployeeToken.remaining > 0))
            .values(
                remaining=EmployeeToken.remaining - 1,
                used=EmployeeToken.remaining <= 1,
            )
        )
    else:
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
        EmployeeResponse(
            wave_id=wave.id,
            team_id=link.team_id,
            answered_on=today,
            answers=stored,
            attributes=link.attributes,
        )
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
        if scale is None:  # ratings are the questions with a scale
            raise RuntimeError(f"question {q.code} has no scale")
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
    version = session.get_one(QuestionnaireVersion, found.version_id)
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
    answered = session.scalars(
        select(EmployeeResponse.answers).where(
            EmployeeResponse.wave_id == found.id, EmployeeResponse.team_id.in_(members)
        )
    )
    texts = [
        value
        for answers in answered
        for value in answers.values()
        if isinstance(value, str) and value.strip()
    ]
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


# --------------------------------------------------------------------------- attribute cuts


@dataclass(frozen=True)
class CutCell:
    """One band of an attribute within a team (its sub-teams included), or why withheld."""

    band: str
    shown: bool
    withheld: Suppressed | None = None
    respondents: int | None = None
    index: float | None = None
    low: float | None = None
    high: float | None = None
    enps: float | None = None


@dataclass(frozen=True)
class AttributeCut:
    wave: str
    attribute: str
    team_id: int  # COMPANY (0) for the whole company
    name: str
    minimum: int
    cells: list[CutCell]


#: (database, wave, answers, minimum, tree) → the cut plan; the plan is an exact but slow
#: integer programme, and every page of a wave must use the same one.
_PLANS: dict[tuple[Any, ...], Any] = {}
forget_with_kept(_PLANS.clear)


def _cut_plan(
    session: Session, found: EmployeeWave, minimum: int | None
) -> tuple[Any, list[tuple[int, tuple[str, ...]]], dict[int, set[int]], np.ndarray, Any]:
    """The suppression plan of every attribute cut of a wave at once — every declared
    attribute at the company and at every shown team — so that no page, export or
    difference between two of them reveals a group below the minimum."""
    from cxm.people.anonymity import employee_min_group, suppress_cuts

    k = employee_min_group(minimum)
    teams = {t.id: t.parent_id for t in session.execute(select(Team.id, Team.parent_id))}
    parents: dict[int, int | None] = {COMPANY: None}
    for t, p in teams.items():
        parents[t] = p if p in teams else COMPANY
    rows = session.execute(
        select(EmployeeResponse.team_id, EmployeeResponse.attributes).where(
            EmployeeResponse.wave_id == found.id
        )
    ).all()
    declared = list(found.attributes or [])
    keys = [
        (int(r.team_id), tuple(str((r.attributes or {}).get(a, UNKNOWN)) for a in declared))
        for r in rows
    ]
    atoms = sorted(set(keys))
    position = {atom: i for i, atom in enumerate(atoms)}
    of_respondent = np.array([position[key] for key in keys], dtype=int)
    weights = [0] * len(atoms)
    for i in of_respondent:
        weights[int(i)] += 1
    direct: dict[int, int] = defaultdict(int)
    for team, _bands_of in keys:
        direct[team] += 1
    tree = suppress(parents, direct, minimum=k)
    below: dict[int, set[int]] = {node: {node} for node in parents}
    for node in parents:
        up = parents[node]
        while up is not None:
            below[up].add(node)
            up = parents[up]
    cache_key = (
        str(session.get_bind().engine.url),
        found.id,
        len(rows),
        k,
        tuple(sorted(parents.items(), key=lambda kv: kv[0])),
        tuple(weights),
    )
    plan = _PLANS.get(cache_key)
    if plan is None:
        groups: dict[tuple[Any, ...], frozenset[int]] = {}
        for node in tree.published:
            inside = [i for i, (team, _b) in enumerate(atoms) if team in below[node]]
            groups[("team", node)] = frozenset(inside)
            for j, attribute in enumerate(declared):
                for i in inside:
                    band = atoms[i][1][j]
                    key = ("cut", node, attribute, band)
                    groups[key] = groups.get(key, frozenset()) | {i}
        plan = suppress_cuts(
            groups, weights, fixed=[("team", n) for n in tree.published], minimum=k
        )
        if len(_PLANS) >= 32:  # a long-running server keeps only recent plans
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[cache_key] = plan
    return plan, atoms, below, of_respondent, tree


def attribute_cuts(
    session: Session,
    *,
    wave: str | int,
    attribute: str,
    team_id: int = COMPANY,
    minimum: int | None = None,
    confidence: float = 0.95,
) -> AttributeCut:
    """The employee index of a team (or the company) by the bands of one declared attribute.

    Bands below the minimum are withheld, and so — complementary suppression, computed
    for all cuts of the wave together — is any band whose figure, combined with other
    published figures (teams, other teams' cuts, the other attributes' cuts), would reveal
    a group below the minimum. A team whose own result is withheld has no cuts."""
    from cxm.analytics._intervals import t_interval

    found = _get_wave(session, wave)
    if attribute not in (found.attributes or []):
        raise InputError(
            _("Wave {wave} declared no attribute {name} (declared: {declared}).").format(
                wave=found.name,
                name=attribute,
                declared=", ".join(found.attributes or []) or "—",
            )
        )
    plan, atoms, below, of_respondent, tree = _cut_plan(session, found, minimum)
    team = session.get(Team, team_id) if team_id != COMPANY else None
    if team_id != COMPANY and team is None:
        raise NotFound(_("No team {team}.").format(team=team_id))
    name = team.name if team is not None else _("Company")
    if not tree.shows(team_id):
        raise InputError(
            _("Results of this team are not shown: fewer than {minimum} people answered.").format(
                minimum=tree.minimum
            )
        )
    j = list(found.attributes).index(attribute)
    version = session.get_one(QuestionnaireVersion, found.version_id)
    definition = QuestionnaireDef.model_validate(version.definition)
    answers = [
        dict(r)
        for r in session.scalars(
            select(EmployeeResponse.answers).where(EmployeeResponse.wave_id == found.id)
        )
    ]
    index, enps, _constructs = _respondent_scores(definition, answers)
    bands = sorted({atoms[i][1][j] for i in range(len(atoms)) if atoms[i][0] in below[team_id]})
    order = [code for code, _u in TENURE_BANDS] if attribute == "tenure" else []
    bands.sort(key=lambda b: (order.index(b) if b in order else len(order), b == UNKNOWN, b))
    cells = []
    for band in bands:
        key = ("cut", team_id, attribute, band)
        if not plan.shows(key):
            cells.append(CutCell(band=band, shown=False, withheld=plan.withheld.get(key)))
            continue
        inside = np.array(
            [atoms[a][0] in below[team_id] and atoms[a][1][j] == band for a in of_respondent],
            dtype=bool,
        )
        values = index[inside]
        values = values[np.isfinite(values)]
        n = float(len(values))
        mean = float(values.mean()) if n else float("nan")
        se = float(values.std(ddof=1) / np.sqrt(n)) if n >= 2 else float("nan")
        low, high = t_interval(np.array([mean]), np.array([se]), np.array([n]), confidence)
        e = enps[inside]
        e = e[np.isfinite(e)]
        cells.append(
            CutCell(
                band=band,
                shown=True,
                respondents=int(inside.sum()),
                index=round(mean, 2),
                low=round(float(low[0]), 2),
                high=round(float(high[0]), 2),
                enps=round(float(e.mean()), 1) if len(e) else None,
            )
        )
    return AttributeCut(
        wave=found.name,
        attribute=attribute,
        team_id=team_id,
        name=name,
        minimum=plan.minimum,
        cells=cells,
    )
