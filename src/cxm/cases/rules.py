"""Rules that open cases from survey answers (YAML, versioned).

```yaml
rules:
  - name: detractor                    # unique; part of the case's exactly-once key
    type: detractor_followup           # the case type (default: detractor_followup)
    priority: high
    subject: {en: "Detractor: call back", zh-CN: 贬损者回访}
    when:                              # all: every condition; any: at least one
      any:
        - {question: REC, at_most: 6}                   # NPS 0-6
        - {question: CUSA1, at_most: 2}
        - {text_contains: [投诉, 退款, complain, refund]} # any open answer, case-insensitive
        - {segment: "value:key", question: CUSA1, at_most: 3}   # a key account below target
```

A case is opened at most once per (rule, response): its ``source_key`` is
``rule:<name>:response:<id>`` and unique in the database, so concurrent workers, retries and
overlapping passes cannot make two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.cases.codes import CaseSource, CaseType, Priority
from cxm.cases.models import CaseRuleSet
from cxm.errors import InputError, Problem, ValidationFailed
from cxm.i18n import _, current_language
from cxm.store.chunks import in_chunks
from cxm.surveys.invitations import as_utc
from cxm.surveys.models import Answer, Invitation, InvitationKind, Response

__all__ = ["RuleSetDef", "evaluate", "load_rules", "rules_on_responses", "run_rules"]

#: Answers completed this long before the last pass are looked at again (late commits).
OVERLAP = timedelta(hours=1)
#: A rule set is surely committed and seen by every worker this long after its load time.
RULES_SETTLED = timedelta(minutes=1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionDef(_Strict):
    question: str | None = None
    at_most: float | None = None
    at_least: float | None = None
    choice_in: list[str] | None = None
    text_contains: list[str] | None = None
    segment: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ConditionDef:
        has_q = self.question is not None
        bounds = self.at_most is not None or self.at_least is not None or self.choice_in
        if has_q and not bounds:
            raise ValueError("a question condition needs at_most, at_least or choice_in")
        if bounds and not has_q:
            raise ValueError("at_most, at_least and choice_in need a question")
        if not (has_q or self.text_contains or self.segment):
            raise ValueError("a condition needs question, text_contains or segment")
        if self.segment is not None and ":" not in self.segment:
            raise ValueError("segment is 'definition:label', e.g. value:key")
        if self.text_contains is not None and not [w for w in self.text_contains if w.strip()]:
            raise ValueError("text_contains needs at least one word")
        return self


class WhenDef(_Strict):
    all: list[ConditionDef] | None = None
    any: list[ConditionDef] | None = None

    @model_validator(mode="after")
    def _check(self) -> WhenDef:
        if not (self.all or self.any) or (self.all and self.any):
            raise ValueError("when has either all: [...] or any: [...]")
        return self


class RuleDef(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
    type: CaseType = CaseType.DETRACTOR_FOLLOWUP
    priority: Priority = Priority.NORMAL
    subject: dict[str, str] | None = None
    when: WhenDef


class RuleSetDef(_Strict):
    rules: list[RuleDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RuleSetDef:
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("rule names repeat")
        return self


def parse_rules(text: str) -> RuleSetDef:
    """Parse and validate a rules file; every problem is listed with its place."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValidationFailed(
            _("The rules file is not valid YAML."),
            [
                Problem(
                    row=mark.line + 1 if mark else None,
                    column=None,
                    value=None,
                    reason=str(getattr(exc, "problem", exc)),
                )
            ],
        ) from None
    try:
        return RuleSetDef.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                row=None,
                column=".".join(str(p) for p in e["loc"]) or "rules",
                value=None,
                reason=e["msg"],
            )
            for e in exc.errors()
        ]
        raise ValidationFailed(
            _("The rules file has {n} problem(s).", n=len(problems)), problems
        ) from None


def load_rules(
    session: Session, *, path: str | Path, user_id: int | None = None, now: datetime | None = None
) -> CaseRuleSet:
    """Store a new version of the rules (from now on; earlier answers are not re-checked)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(_("Cannot read {path}: {error}", path=path, error=exc)) from None
    definition = parse_rules(text)
    version = (session.scalar(select(func.max(CaseRuleSet.version))) or 0) + 1
    row = CaseRuleSet(
        version=version,
        source=text,
        definition=definition.model_dump(mode="json"),
        loaded_by_user_id=user_id,
        evaluated_until=now or datetime.now(UTC),
        loaded_at=now or datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def current_rules(session: Session) -> CaseRuleSet | None:
    return session.scalar(select(CaseRuleSet).order_by(CaseRuleSet.version.desc()).limit(1))


@dataclass(frozen=True)
class Hit:
    rule: RuleDef
    response_id: int
    customer_id: int
    reason: str


def _holds(
    c: ConditionDef, answers: dict[str, Any], texts: Sequence[str], segments: set[str]
) -> str | None:
    """Why the condition holds for these answers, or None."""
    parts: list[str] = []
    if c.segment is not None:
        if c.segment not in segments:
            return None
        parts.append(c.segment)
    if c.question is not None:
        a = answers.get(c.question)
        if a is None:
            return None
        number, choices = a
        if c.at_most is not None and (number is None or number > c.at_most):
            return None
        if c.at_least is not None and (number is None or number < c.at_least):
            return None
        if c.choice_in is not None and not (set(choices or ()) & set(c.choice_in)):
            return None
        parts.append(f"{c.question}={number if number is not None else ','.join(choices or ())}")
    if c.text_contains is not None:
        low = [t.casefold() for t in texts]
        words = [w for w in c.text_contains if any(w.casefold() in t for t in low)]
        if not words:
            return None
        parts.append("text:" + ",".join(words))
    return "; ".join(parts)


def evaluate(
    rules: RuleSetDef,
    answers: dict[str, Any],
    texts: Sequence[str],
    segments: set[str],
) -> list[tuple[RuleDef, str]]:
    """The rules this one response meets, each with the reason."""
    out: list[tuple[RuleDef, str]] = []
    for rule in rules.rules:
        if rule.when.all:
            reasons = [_holds(c, answers, texts, segments) for c in rule.when.all]
            if all(r is not None for r in reasons):
                out.append((rule, " & ".join(r for r in reasons if r)))
        else:
            for c in rule.when.any or ():
                r = _holds(c, answers, texts, segments)
                if r is not None:
                    out.append((rule, r))
                    break
    return out


def _segments(session: Session, customer_ids: Iterable[int]) -> dict[int, set[str]]:
    from cxm.segments.models import SegmentDefinition, SegmentMembership

    out: dict[int, set[str]] = {}
    ids = list(customer_ids)
    if not ids:
        return out
    rows = session.execute(
        select(SegmentMembership.customer_id, SegmentDefinition.name, SegmentMembership.segment)
        .join(SegmentDefinition, SegmentDefinition.id == SegmentMembership.definition_id)
        .where(SegmentMembership.customer_id.in_(ids), SegmentMembership.valid_to.is_(None))
    )
    for cid, name, seg in rows:
        out.setdefault(cid, set()).add(f"{name}:{seg}")
    return out


def _response_rows(session: Session, *conditions: Any) -> list[Any]:
    return list(
        session.execute(
            select(Response.id, Response.customer_id, Response.completed_at)
            .join(Invitation, Invitation.id == Response.invitation_id)
            .where(
                Response.completed_at.is_not(None),
                Response.customer_id.is_not(None),
                Invitation.kind != InvitationKind.FOLLOWUP,
                *conditions,
            )
            .order_by(Response.completed_at)
        ).all()
    )


def _specs(
    rules: RuleSetDef,
    responses: Sequence[Any],
    answers: dict[int, dict[str, Any]],
    texts: dict[int, list[str]],
    segments: dict[int, set[str]],
) -> list[dict[str, Any]]:
    """One case spec per rule met by each response, keyed ``rule:<name>:response:<id>``."""
    lang = current_language()
    specs: list[dict[str, Any]] = []
    for r in responses:
        for rule, reason in evaluate(
            rules, answers.get(r.id, {}), texts.get(r.id, []), segments.get(r.customer_id, set())
        ):
            subject = (
                (rule.subject or {}).get(lang)
                or (rule.subject or {}).get("en")
                or _("Survey answer needs follow-up ({rule})", rule=rule.name)
            )
            specs.append(
                {
                    "customer_id": int(r.customer_id),
                    "type": rule.type,
                    "priority": rule.priority,
                    "subject": subject,
                    "text": _("Rule {rule}: {reason}", rule=rule.name, reason=reason),
                    "source": CaseSource.RULE,
                    "source_key": f"rule:{rule.name}:response:{r.id}",
                    "response_id": r.id,
                }
            )
    return specs


def _add_answer(
    answers: dict[int, dict[str, Any]],
    texts: dict[int, list[str]],
    rid: int,
    code: str,
    number: float | None,
    text: str | None,
    choices: list[str] | None,
) -> None:
    # A single choice is stored as its code in ``text``: it counts as a choice here.
    chosen = list(choices or ()) or ([text] if text and number is None else [])
    answers.setdefault(rid, {})[code] = (number, chosen)
    if text:
        texts.setdefault(rid, []).append(text)


def _uses_segments(rules: RuleSetDef) -> bool:
    return any(c.segment for r in rules.rules for c in (r.when.all or r.when.any or ()))


def _open_for(
    session: Session, rules: RuleSetDef, responses: Sequence[Any], *, at: datetime
) -> dict[str, int]:
    """Evaluate ``rules`` on ``responses`` (id, customer_id, completed_at) and open a case
    per hit, each exactly once by its ``rule:<name>:response:<id>`` key."""
    from cxm.cases.service import open_cases_bulk

    counts = {"checked": len(responses), "opened": 0, "existing": 0}
    if not responses:
        return counts
    ids = [r.id for r in responses]
    answers: dict[int, dict[str, Any]] = {}
    texts: dict[int, list[str]] = {}
    for part in in_chunks(ids):
        for rid, code, number, text, choices in session.execute(
            select(
                Answer.response_id, Answer.question_code, Answer.number, Answer.text, Answer.choices
            ).where(Answer.response_id.in_(part), Answer.dont_know.is_(False))
        ):
            _add_answer(answers, texts, rid, code, number, text, choices)
    segments = (
        _segments(session, {r.customer_id for r in responses}) if _uses_segments(rules) else {}
    )
    specs = _specs(rules, responses, answers, texts, segments)
    # Keys already opened are left out before writing: a pass that finds nothing new only
    # reads (on SQLite it then never takes the database's write lock).
    from cxm.cases.models import Case

    keys = [x["source_key"] for x in specs]
    known: set[str] = set()
    for part in in_chunks(keys):
        known.update(session.scalars(select(Case.source_key).where(Case.source_key.in_(part))))
    fresh = [x for x in specs if x["source_key"] not in known]
    opened, existing = open_cases_bulk(session, fresh, now=at)
    counts["opened"], counts["existing"] = opened, existing + len(known)
    return counts


def _question_codes(rules: RuleSetDef) -> list[str] | None:
    """The questions the rules read, or ``None`` when a rule reads every text answer."""
    conditions = [c for r in rules.rules for c in (r.when.all or r.when.any or ())]
    if any(c.text_contains for c in conditions):
        return None
    return sorted({c.question for c in conditions if c.question is not None})


def rules_on_responses(
    session: Session, response_ids: Iterable[int], *, now: datetime | None = None
) -> dict[str, int]:
    """Check the given answers (just completed: the outbox's ``responses.completed`` jobs)
    against the current rules and open their cases. Rules loaded after an answer was
    completed do not apply to it (as in the sweep); a case that exists is not made again.

    Made for a worker's batch inside its write transaction: the responses and the answers
    the rules read come in one query, segments only when a rule names one, and the cases
    go straight to ``INSERT … ON CONFLICT DO NOTHING`` (no look-up of known keys first)."""
    from cxm.cases.service import open_cases_bulk
    from cxm.store.bulk import ids_in

    at = now or datetime.now(UTC)
    ruleset = current_rules(session)
    ids = sorted({int(i) for i in response_ids})
    if ruleset is None or not ids:
        return {"checked": 0, "opened": 0, "existing": 0}
    rules = RuleSetDef.model_validate(ruleset.definition)
    codes = _question_codes(rules)
    on = (Answer.response_id == Response.id) & Answer.dont_know.is_(False)
    if codes is not None:
        on = on & Answer.question_code.in_(codes)
    dialect = session.get_bind().dialect.name
    responses: dict[int, Any] = {}
    answers: dict[int, dict[str, Any]] = {}
    texts: dict[int, list[str]] = {}
    for part in in_chunks(ids):
        rows = session.execute(
            select(
                Response.id,
                Response.customer_id,
                Answer.question_code,
                Answer.number,
                Answer.text,
                Answer.choices,
            )
            .join(Invitation, Invitation.id == Response.invitation_id)
            .outerjoin(Answer, on)
            .where(
                ids_in(dialect, Response.id, part),
                Response.completed_at.is_not(None),
                Response.completed_at >= ruleset.loaded_at,
                Response.customer_id.is_not(None),
                Invitation.kind != InvitationKind.FOLLOWUP,
            )
        )
        for rid, cid, code, number, text, choices in rows:
            responses.setdefault(rid, _Responded(rid, int(cid or 0)))
            if code is not None:
                _add_answer(answers, texts, rid, code, number, text, choices)
    found = [responses[i] for i in sorted(responses)]
    segments = _segments(session, {r.customer_id for r in found}) if _uses_segments(rules) else {}
    opened, existing = open_cases_bulk(
        session, _specs(rules, found, answers, texts, segments), now=at
    )
    return {"checked": len(found), "opened": opened, "existing": existing}


@dataclass(frozen=True, slots=True)
class _Responded:
    id: int
    customer_id: int


def _not_checked_by_outbox(
    session: Session, ruleset: CaseRuleSet, responses: list[Any]
) -> list[Any]:
    """``responses`` less those whose ``responses.completed`` job is done: the worker ran
    the rules on them and their cases committed with that mark, so the sweep need not read
    their answers again (it re-read every answer of the last hour at each pass). Only jobs
    finished well after the current rules were loaded count (one that ran while they were
    being committed may have read the rules before them). The jobs are looked up by key
    (the unique index), not joined: a join on a computed key let PostgreSQL pick a nested
    loop comparing every answer with every job when its statistics were stale."""
    from cxm.jobs.models import Job, JobStatus
    from cxm.jobs.outbox import answer_completed_key
    from cxm.store.bulk import texts_in

    if not responses:
        return responses
    dialect = session.get_bind().dialect.name
    keys = [answer_completed_key(r.id) for r in responses]
    done: set[str] = set()
    for part in in_chunks(keys):
        done.update(
            k
            for k in session.scalars(
                select(Job.key).where(
                    texts_in(dialect, Job.key, part),
                    Job.status == JobStatus.DONE,
                    Job.finished_at > as_utc(ruleset.loaded_at) + RULES_SETTLED,
                )
            )
            if k is not None
        )
    return [r for r, k in zip(responses, keys, strict=True) if k not in done]


def run_rules(
    session: Session, *, now: datetime | None = None, since: datetime | None = None
) -> dict[str, int]:
    """The safety net: check answers completed since the last pass against the current
    rules and open a case for each hit (exactly once per rule and response). Answers saved
    through the web are checked within seconds by the outbox; this catches the rest (bulk
    loads, a worker that was down)."""
    at = now or datetime.now(UTC)
    ruleset = current_rules(session)
    if ruleset is None:
        return {"checked": 0, "opened": 0, "existing": 0}
    rules = RuleSetDef.model_validate(ruleset.definition)
    start = since or (ruleset.evaluated_until - OVERLAP)
    responses = _not_checked_by_outbox(
        session,
        ruleset,
        _response_rows(session, Response.completed_at > start, Response.completed_at <= at),
    )
    counts = _open_for(session, rules, responses, at=at)
    # The mark moves on over the answers the outbox checked too (skipped above): else each
    # pass would scan every answer since the last one the sweep itself opened a case for.
    newest = session.scalar(
        select(func.max(Response.completed_at)).where(
            Response.completed_at > start, Response.completed_at <= at
        )
    )
    latest = as_utc(ruleset.evaluated_until)
    if newest is not None and as_utc(newest) > latest:
        ruleset.evaluated_until = as_utc(newest)
    session.flush()
    return counts
