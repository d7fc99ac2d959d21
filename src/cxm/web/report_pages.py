"""The manager's report in the staff workspace: ``/staff/reports``. (Its forms' CSRF
token is checked by the sign-in dependency for cookie sessions, as everywhere.)

The page shows a kept copy (built by the job runner, :mod:`cxm.report_cache`) in under a
second, says how fresh it is, and offers a wave and a segment picker, the PDF, a rebuild
(for those who configure) and scheduled delivery. A reader gets the copy of their own
visibility: without ``see_money`` over the whole company, a copy without the money
sections; without ``see_verbatim``, one without the comments.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxm.accounts.models import StaffUser
from cxm.accounts.permissions import Capability
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.report_cache import snapshots as kept
from cxm.report_cache.jobs import enqueue_refresh, enqueue_snapshot
from cxm.report_cache.schedules import (
    CHANNELS,
    FREQUENCIES,
    add_schedule,
    list_deliveries,
    list_schedules,
    remove_schedule,
)
from cxm.web.deps import AppSettings, AppStore, DbSession
from cxm.web.permissions import Grant, Require, grant_for
from cxm.web.staff import page

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cxm.store import Store

__all__ = ["FIRST_BUILD_PATIENCE", "router", "visibility_for", "wait_for_builds"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/staff/reports", tags=["staff pages"], include_in_schema=False)

#: The report covers the whole company; its money and comment copies need more.
Reports = Annotated[Grant, Require(Capability.VIEW_REPORTS)]
#: Rebuilding and delivery schedules are configuration.
Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
Choice = Annotated[str, Query(max_length=200)]


def visibility_for(session: Session, user: StaffUser) -> str:
    """Which kept copy ``user`` may read (rights over the whole company only count)."""
    money = grant_for(session, user, Capability.SEE_MONEY)
    verbatim = grant_for(session, user, Capability.SEE_VERBATIM)
    return kept.visibility_of(
        money=money is not None and money.whole_company,
        verbatim=verbatim is not None and verbatim.whole_company,
    )


def _resolve(db: Session, wave: str, segment: str) -> tuple[int, list[Any], list[str]]:
    """The wave's id (0: there is none yet) and the pickers' choices; 404 for an unknown
    wave or segment."""
    waves = kept.wave_choices(db)
    segments = kept.segment_choices(db)
    if wave:
        match = [w for w in waves if str(w.id) == wave or w.name == wave]
        if not match:
            raise NotFound(_("No survey wave named {wave}.", wave=wave))
        wave_id = match[0].id
    else:
        wave_id = waves[0].id if waves else 0
    if segment and segment not in segments:
        raise NotFound(_("No segment {segment}.", segment=segment))
    return wave_id, waves, segments


#: Seconds a first reader's request waits for the report's build (a small company's report
#: is there at once); a longer build goes on beside and the page reloads itself until done.
FIRST_BUILD_PATIENCE = 8.0

_builds: dict[tuple[int, str, str], threading.Thread] = {}
_builds_lock = threading.Lock()


def _build_beside(
    store: Store, *, wave_id: int, segment: str, lang: str, min_n: int
) -> threading.Thread:
    """Build and keep the report of this wave, segment and language on a thread of its own
    (one per key at a time), then make sure the runner's refresh is queued."""
    key = (wave_id, segment, lang)

    def run() -> None:
        try:
            kept.build_snapshots(store, wave_id=wave_id, segment=segment, lang=lang, min_n=min_n)
            with store.writing(), store.session() as s:
                enqueue_refresh(s)
        except Exception:  # the page keeps saying "being built"; the log says why
            log.exception("building the report of wave %s, segment %r failed", wave_id, segment)
        finally:
            with _builds_lock:
                _builds.pop(key, None)

    with _builds_lock:
        thread = _builds.get(key)
        if thread is None:
            thread = threading.Thread(target=run, name="cxm-report-build", daemon=True)
            _builds[key] = thread
            thread.start()
    return thread


def wait_for_builds() -> None:
    """Block until every report build started by a reader has ended (a test's teardown)."""
    with _builds_lock:
        threads = list(_builds.values())
    for thread in threads:
        thread.join()


def _query(**params: str) -> str:
    return urlencode({k: v for k, v in params.items() if v})


@router.get("", response_class=HTMLResponse)
def report_page(
    request: Request,
    grant: Reports,
    db: DbSession,
    store: AppStore,
    settings: AppSettings,
    wave: Choice = "",
    segment: Choice = "",
    queued: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """The kept report of ``wave`` (default: the latest) and ``segment`` (default: all)."""
    lang = request.state.lang
    wave_id, waves, segments = _resolve(db, wave, segment)
    visibility = visibility_for(db, grant.user)
    key = {"wave_id": wave_id, "segment": segment, "lang": lang, "visibility": visibility}
    copy = kept.kept_report(db, **key)
    if copy is None:  # the first reader starts its build; the runner keeps it fresh then
        build = _build_beside(
            store, wave_id=wave_id, segment=segment, lang=lang, min_n=settings.min_n
        )
        build.join(FIRST_BUILD_PATIENCE)
        with store.session() as s:
            copy = kept.kept_report(s, **key)
    if copy is None:  # a large company's first build: the page says so and reloads itself
        context = {
            "user": grant.user,
            "pending": True,
            "waves": waves,
            "wave_id": wave_id,
            "segments": segments,
            "segment": segment,
        }
        return page(request, "staff/reports.html", context)
    fresh = kept.freshness(db, copy)
    if fresh.newer_answers:  # make sure the ten-minute refresh is coming
        with store.writing(), store.session() as s:
            enqueue_refresh(s)
    configure = grant_for(db, grant.user, Capability.CONFIGURE)
    may_configure = configure is not None and configure.whole_company
    wave_param = str(wave_id) if wave_id else ""
    context = {
        "user": grant.user,
        "report_html": copy.html,
        "waves": waves,
        "wave_id": wave_id,
        "segments": segments,
        "segment": segment,
        "fresh": fresh,
        "build_seconds": copy.build_seconds,
        "queued": bool(queued),
        "pdf_href": "/staff/reports/report.pdf?" + _query(wave=wave_param, segment=segment),
        "file_href": "/reports/report.html?" + _query(wave=wave_param),
        "may_configure": may_configure,
        "schedules": list_schedules(db) if may_configure else [],
        "deliveries": list_deliveries(db)[:20] if may_configure else [],
        "frequencies": FREQUENCIES,
        "channels": CHANNELS,
    }
    return page(request, "staff/reports.html", context)


@router.get("/report.pdf")
def report_pdf(
    request: Request,
    grant: Reports,
    store: AppStore,
    settings: AppSettings,
    wave: Choice = "",
    segment: Choice = "",
) -> Response:
    """The kept copy's PDF (made once per build, then kept)."""
    lang = request.state.lang
    with store.session() as s:
        wave_id, _w, _s = _resolve(s, wave, segment)
        visibility = visibility_for(s, grant.user)
        key = {"wave_id": wave_id, "segment": segment, "lang": lang, "visibility": visibility}
        exists = kept.kept_report(s, **key) is not None
    if not exists:
        kept.build_snapshots(
            store, wave_id=wave_id, segment=segment, lang=lang, min_n=settings.min_n
        )
    with store.writing(), store.session() as s:
        pdf = kept.kept_pdf(s, **key)
    if pdf is None:
        raise NotFound(_("The report is being built. Reload the page in a minute."))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="cxm-report.pdf"'},
    )


@router.post("/rebuild")
def rebuild(
    request: Request,
    _grant: Configure,
    db: DbSession,
    wave: Annotated[str, Form(max_length=200)] = "",
    segment: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Queue a build of this report now (the job runner, ``cxm worker``, makes it)."""
    wave_id, _w, _s = _resolve(db, wave, segment)
    enqueue_snapshot(db, wave_id=wave_id, segment=segment, lang=request.state.lang)
    target = "/staff/reports?" + _query(wave=wave, segment=segment, queued="1")
    return RedirectResponse(target, status_code=303)


@router.post("/schedules")
def schedule_add(
    request: Request,
    grant: Configure,
    db: DbSession,
    settings: AppSettings,
    name: Annotated[str, Form(max_length=100)],
    frequency: Annotated[str, Form(max_length=16)],
    channel: Annotated[str, Form(max_length=32)],
    recipients: Annotated[str, Form(max_length=4000)] = "",
    segment: Annotated[str, Form(max_length=200)] = "",
    lang: Annotated[str, Form(max_length=16)] = "zh-CN",
) -> Response:
    """Save a delivery schedule (recipients one per line as user=address)."""
    if segment and segment not in kept.segment_choices(db):
        raise InputError(_("No segment {segment}.", segment=segment))
    add_schedule(
        db,
        name=name,
        frequency=frequency,
        channel=channel,
        recipients=[line.strip() for line in recipients.splitlines() if line.strip()],
        segment=segment,
        lang=lang,
        created_by=grant.user.name,
        zone=settings.timezone,
    )
    return RedirectResponse("/staff/reports?" + _query(segment=segment) + "#schedules", 303)


@router.post("/schedules/delete")
def schedule_delete(
    request: Request,
    _grant: Configure,
    db: DbSession,
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    remove_schedule(db, name=name)
    return RedirectResponse("/staff/reports#schedules", 303)
