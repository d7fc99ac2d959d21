"""Wave pages: the list of waves, a new wave sampled from a segment (strata, quotas, quiet
period, previewed before it is drawn), the wave's response rates per stratum with its
invitations (links CSV, send and remind with a preview and a test send to oneself), closing
it, and a phone interview entered on the customer's behalf."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from cxm.accounts.permissions import Capability
from cxm.cases.customer_search import check_customer_visible
from cxm.clock import today
from cxm.config import Settings
from cxm.customers.profile import find_customer
from cxm.errors import CXMError, InputError, NotFound, ValidationFailed
from cxm.i18n import _
from cxm.management.definitions import list_definitions
from cxm.responses_io.comments import Comment, latest_comments
from cxm.responses_io.rates import wave_rates, waves_overview
from cxm.surveys.answering import definition_of
from cxm.surveys.invitations import export_invitations_csv
from cxm.surveys.mail import WAVE_CHANNELS, send_wave_emails
from cxm.surveys.questionnaires import all_questionnaires, latest_version
from cxm.surveys.schema import pick_text
from cxm.surveys.wave_admin import (
    WavePlan,
    close_wave,
    create_sampled_wave,
    interview_invitation,
    message_preview,
    plan_strata,
    record_interview,
    send_test_message,
)
from cxm.surveys.waves import get_wave
from cxm.web.deps import AppSettings, AppStore, DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.respond import _question_view
from cxm.web.staff import page

__all__ = ["router"]

router = APIRouter(prefix="/staff/waves", tags=["wave pages"], include_in_schema=False)
Rates = Annotated[Grant, Require(Capability.VIEW_REPORTS, filters=True)]
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
Export = Annotated[Grant, Require(Capability.EXPORT)]
Send = Annotated[Grant, Require(Capability.SEND_SURVEYS, filters=True)]
WaveId = Annotated[int, Path(ge=1, le=2**31 - 1)]
COLUMNS = ("region", "channel")


def _comments(
    db: DbSession, wave_id: int, grant: Grant | None, answered: int, settings: Settings
) -> list[Comment]:
    """The wave's latest comments in the grant's teams; for part of the company only when
    that part has CXM_MIN_TEXT_GROUP answers (fewer could tell who wrote them)."""
    if grant is None or (not grant.whole_company and answered < settings.min_text_group):
        return []
    return latest_comments(db, wave_id=wave_id, team_ids=grant.team_ids)


@router.get("", response_class=HTMLResponse)
def waves_page(request: Request, grant: Rates, db: DbSession) -> Response:
    """Every wave with its response rate (counting the grant's teams)."""
    waves = waves_overview(db, team_ids=grant.team_ids)
    context = {
        "user": grant.user,
        "waves": waves,
        "can_create": grant_for(db, grant.user, Capability.CONFIGURE) is not None,
    }
    return page(request, "staff/waves.html", context)


def _form_context(db: DbSession, grant: Grant, lang: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "user": grant.user,
        "questionnaires": [(q.code, pick_text(q.title, lang)) for q in all_questionnaires(db)],
        "definitions": [d.name for d in list_definitions(db)],
        "columns": COLUMNS,
        "v": values,
    }


def _defaults() -> dict[str, Any]:
    start = today()
    return {
        "questionnaire": "",
        "name": "",
        "opens_on": start.isoformat(),
        "closes_on": (start + timedelta(days=28)).isoformat(),
        "quiet_days": 90,
        "stratify": "",
        "seed": "",
    }


@router.get("/new", response_class=HTMLResponse)
def new_wave_page(request: Request, grant: Configure, db: DbSession) -> Response:
    context = _form_context(db, grant, request.state.lang, _defaults())
    return page(request, "staff/wave_new.html", {**context, "plan": None, "problems": []})


def _split(stratify: str) -> tuple[str | None, str | None]:
    if stratify.startswith("segment:"):
        return stratify.removeprefix("segment:"), None
    if stratify in COLUMNS:
        return None, stratify
    return None, None


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            _("{field}: give a date as YYYY-MM-DD, not {value}.", field=field, value=value[:20])
        ) from None


@router.post("/new", response_class=HTMLResponse)
def new_wave_submit(
    request: Request,
    grant: Configure,
    db: DbSession,
    questionnaire: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    opens_on: Annotated[str, Form(max_length=10)] = "",
    closes_on: Annotated[str, Form(max_length=10)] = "",
    quiet_days: Annotated[int, Form(ge=0, le=3650)] = 90,
    stratify: Annotated[str, Form(max_length=120)] = "",
    seed: Annotated[str, Form(max_length=12)] = "",
    stratum: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    quota: Annotated[list[str], Form()] = [],  # noqa: B006
    action: Annotated[str, Form(max_length=20)] = "preview",
) -> Response:
    """``action=preview`` shows the strata and how many are eligible (quotas to fill in);
    ``action=create`` creates the wave and draws its sample."""
    values = {
        "questionnaire": questionnaire,
        "name": name,
        "opens_on": opens_on,
        "closes_on": closes_on,
        "quiet_days": quiet_days,
        "stratify": stratify,
        "seed": seed,
    }
    context = _form_context(db, grant, request.state.lang, values)
    segments, column = _split(stratify)
    try:
        first = _day(opens_on, _("Opens"))
        last = _day(closes_on, _("Closes"))
        plan = plan_strata(
            db, segments=segments, column=column, opens_on=first, quiet_days=quiet_days
        )
        quotas: dict[str, int] | None = None
        if stratum:
            quotas = {}
            for s, q in zip(stratum, quota, strict=False):
                n = q.strip()
                if not n.isdigit():
                    raise InputError(
                        _(
                            "Quota for {name}: give a whole number, not {value}.",
                            name=s,
                            value=n[:20],
                        )
                    )
                quotas[s] = int(n)
        if action != "create":
            given = quotas or {}
            rows = [(p, given.get(p.stratum, p.eligible)) for p in plan]
            return page(request, "staff/wave_new.html", {**context, "plan": rows, "problems": []})
        with db.begin_nested():  # a refusal undoes the wave and its sample
            result = create_sampled_wave(
                db,
                plan=WavePlan(
                    questionnaire=questionnaire,
                    name=name,
                    opens_on=first,
                    closes_on=last,
                    quiet_days=quiet_days,
                    segments=segments,
                    column=column,
                    quotas=quotas,
                    seed=int(seed) if seed.strip().isdigit() else None,
                ),
                actor_id=grant.user.id,
            )
    except CXMError as exc:
        problems = [exc.message]
        if isinstance(exc, ValidationFailed):
            problems += [p.reason for p in exc.problems]
        return page(
            request,
            "staff/wave_new.html",
            {**context, "plan": None, "problems": problems},
            status=422,
        )
    return RedirectResponse(
        f"/staff/waves/{result.wave_id}?created={result.total}", status_code=303
    )


@router.get("/{wave_id}", response_class=HTMLResponse)
def wave_page(
    request: Request,
    wave_id: WaveId,
    grant: Rates,
    db: DbSession,
    settings: AppSettings,
    created: int | None = None,
    closed: int | None = None,
) -> Response:
    user = grant.user
    rates = wave_rates(db, wave_id=wave_id, team_ids=grant.team_ids)
    export = grant_for(db, user, Capability.EXPORT)
    verbatim = grant_for(db, user, Capability.SEE_VERBATIM)
    wave = get_wave(db, wave_id=wave_id)
    context = {
        "user": user,
        "wave": {
            "id": wave.id,
            "name": wave.name,
            "questionnaire": wave.questionnaire.code,
            "opens_on": wave.opens_on.isoformat(),
            "closes_on": wave.closes_on.isoformat(),
            "closed_at": wave.closed_at,
            "sampling": wave.sampling or {},
        },
        "total": rates.total,
        "strata": rates.strata,
        "can_export": export is not None and export.whole_company,
        "can_send": grant_for(db, user, Capability.SEND_SURVEYS) is not None,
        "can_configure": grant_for(db, user, Capability.CONFIGURE) is not None,
        "comments": _comments(db, wave_id, verbatim, rates.total.completed, settings),
        "created": created,
        "closed": closed,
    }
    return page(request, "staff/wave.html", context)


@router.get("/{wave_id}/invitations.csv")
def invitations_download(
    wave_id: WaveId, grant: Export, db: DbSession, settings: AppSettings
) -> Response:
    """Open invitations with a fresh personal link each, for a mail-merge or SMS tool."""
    get_wave(db, wave_id=wave_id)
    out = io.StringIO()
    export_invitations_csv(db, wave_id=wave_id, base_url=settings.base_url, out=out)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="wave-{wave_id}-invitations.csv"'},
    )


def _send_page(
    request: Request,
    grant: Grant,
    db: DbSession,
    settings: AppSettings,
    wave_id: int,
    *,
    channel: str,
    reminder: bool,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
    teams_only: bool = False,
) -> Response:
    wave = get_wave(db, wave_id=wave_id)
    lang = request.state.lang
    subject, text = message_preview(
        db, settings, wave_id=wave_id, lang=lang, reminder=reminder, channel=channel
    )
    context = {
        "user": grant.user,
        "wave": {"id": wave.id, "name": wave.name, "closed": wave.closed_at is not None},
        "channel": channel,
        "channels": WAVE_CHANNELS,
        "reminder": reminder,
        "subject": subject,
        "text": text,
        "result": result,
        "error": error,
        "mail_ready": bool(settings.smtp_host) or channel != "email",
        "teams_only": teams_only,
    }
    return page(request, "staff/wave_send.html", context, status=status)


@router.get("/{wave_id}/send", response_class=HTMLResponse)
def send_page(
    request: Request,
    wave_id: WaveId,
    grant: Send,
    db: DbSession,
    settings: AppSettings,
    channel: str = "email",
    reminder: bool = False,
) -> Response:
    """The message as customers will get it, a test send to oneself, and send / remind
    (to the invitations of the grant's teams)."""
    channel = channel if channel in WAVE_CHANNELS else "email"
    return _send_page(
        request,
        grant,
        db,
        settings,
        wave_id,
        channel=channel,
        reminder=reminder,
        teams_only=grant.team_ids is not None,
    )


@router.post("/{wave_id}/send", response_class=HTMLResponse)
def send_submit(
    request: Request,
    wave_id: WaveId,
    grant: Send,
    db: DbSession,
    store: AppStore,
    settings: AppSettings,
    action: Annotated[str, Form(max_length=20)] = "test",
    channel: Annotated[str, Form(max_length=10)] = "email",
    to: Annotated[str, Form(max_length=254)] = "",
    min_days: Annotated[int, Form(ge=0, le=365)] = 3,
    max_reminders: Annotated[int, Form(ge=1, le=10)] = 2,
) -> Response:
    """``action``: ``test`` (to the address given), ``send`` (first invitations) or
    ``remind`` (those who have not answered)."""
    get_wave(db, wave_id=wave_id)
    lang = request.state.lang
    reminder = action == "remind"
    try:
        if action == "test":
            d = send_test_message(db, settings, wave_id=wave_id, to=to, lang=lang, channel=channel)
            result = {"test": True, "sent": d.sent, "to": to, "detail": d.detail or ""}
        else:
            r = send_wave_emails(
                store,
                settings,
                wave_id=wave_id,
                reminder=reminder,
                lang=lang,
                min_days_since=min_days,
                max_reminders=max_reminders,
                channel=channel,
                team_ids=grant.team_ids,
            )
            result = {
                "test": False,
                "reminder": reminder,
                "sent": r.sent,
                "no_address": r.no_email,
                "failed": r.failed,
                "no_consent": r.no_consent,
            }
    except CXMError as exc:
        return _send_page(
            request,
            grant,
            db,
            settings,
            wave_id,
            channel=channel,
            reminder=reminder,
            error=exc.message,
            status=exc.status if 400 <= exc.status < 500 else 409,
        )
    return _send_page(
        request, grant, db, settings, wave_id, channel=channel, reminder=reminder, result=result
    )


@router.post("/{wave_id}/close")
def close_submit(wave_id: WaveId, grant: Configure, db: DbSession) -> Response:
    """Close the wave now: open links stop working, answers given stay."""
    n = close_wave(db, wave_id=wave_id, actor_id=grant.user.id)
    return RedirectResponse(f"/staff/waves/{wave_id}?closed={n}", status_code=303)


def _interview_page(
    request: Request,
    grant: Grant,
    db: DbSession,
    wave_id: int,
    customer: str,
    *,
    team_ids: frozenset[int] | None,
    saved: str = "",
    raw: dict[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    wave = get_wave(db, wave_id=wave_id)
    lang = request.state.lang
    context: dict[str, Any] = {
        "user": grant.user,
        "wave": {"id": wave.id, "name": wave.name},
        "customer": customer,
        "found": None,
        "questions": [],
        "message": message,
        "errors": errors or {},
        "saved": saved,
    }
    if customer:
        c = find_customer(db, customer)
        check_customer_visible(db, c.id, user_id=grant.user.id, team_ids=team_ids)
        interview_invitation(db, wave_id=wave_id, customer_id=c.id)
        definition = definition_of(
            db, latest_version(db, questionnaire_id=wave.questionnaire_id).id
        )
        context["found"] = {
            "id": c.id,
            "external_id": c.external_id,
            "name": c.name,
            "phone": c.phone,
        }
        context["questions"] = [
            _question_view(q, lang, (raw or {}).get(q.code, []), (errors or {}).get(q.code))
            for q in definition.questions()
        ]
    return page(request, "staff/wave_interview.html", context, status=status)


@router.get("/{wave_id}/interview", response_class=HTMLResponse)
def interview_page(
    request: Request,
    wave_id: WaveId,
    grant: Send,
    db: DbSession,
    customer: str = "",
    saved: str = "",
) -> Response:
    """Enter a phone interview's answers: find the sampled customer (within the grant's
    teams), then the whole questionnaire on one page."""
    customer = customer.strip()[:100]
    try:
        return _interview_page(
            request, grant, db, wave_id, customer, team_ids=grant.team_ids, saved=saved[:100]
        )
    except (InputError, NotFound) as exc:
        return _interview_page(
            request,
            grant,
            db,
            wave_id,
            "",
            team_ids=grant.team_ids,
            message=exc.message,
            status=exc.status,
        )


def _fields(form: FormData) -> dict[str, list[str]]:
    return {
        key.removeprefix("q_"): [v for v in form.getlist(key) if isinstance(v, str)]
        for key in form
        if key.startswith("q_")
    }


@router.post("/{wave_id}/interview", response_class=HTMLResponse)
async def interview_submit(
    request: Request,
    wave_id: WaveId,
    grant: Send,
    db: DbSession,
    customer: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record the interview as the customer's response, marked as interviewer-entered."""
    form = await request.form(max_fields=1000)
    raw = _fields(form)
    c = find_customer(db, customer)
    check_customer_visible(db, c.id, user_id=grant.user.id, team_ids=grant.team_ids)
    wave = get_wave(db, wave_id=wave_id)
    definition = definition_of(db, latest_version(db, questionnaire_id=wave.questionnaire_id).id)
    try:
        with db.begin_nested():  # a refusal records nothing
            record_interview(
                db,
                wave_id=wave_id,
                customer_id=c.id,
                fields=raw,
                interviewer_id=grant.user.id,
                lang=request.state.lang,
                definition=definition,
            )
    except ValidationFailed as exc:
        errors = {str(p.column): p.reason for p in exc.problems if p.column}
        return _interview_page(
            request,
            grant,
            db,
            wave_id,
            customer,
            team_ids=grant.team_ids,
            raw=raw,
            errors=errors,
            message=exc.message,
            status=422,
        )
    return RedirectResponse(
        f"/staff/waves/{wave_id}/interview?saved={c.external_id}", status_code=303
    )
