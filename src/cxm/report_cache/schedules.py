"""Scheduled delivery of the manager's report: daily or weekly, by e-mail to chosen staff or
to a WeCom / DingTalk group robot, through the shared channels.

Each period is delivered once: the delivery row ``(schedule, period)`` is unique and is
claimed before anything is sent, so a retried job or a second worker sends nothing twice.
A failed delivery may be claimed again by the job's retry (``failed`` → ``sending``, a
guarded update that one runner wins). Each delivery queues the next period's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cxm.accounts.models import StaffUser
from cxm.accounts.permissions import Capability, Scope, effective_scope
from cxm.clock import company_zone
from cxm.config import Settings
from cxm.errors import CXMError, InputError, NotFound
from cxm.i18n import _, language
from cxm.jobs.outbox import enqueue
from cxm.report_cache.models import ReportDelivery, ReportSchedule
from cxm.store import Store
from cxm.store.base import utcnow

__all__ = [
    "CHANNELS",
    "FREQUENCIES",
    "DeliveryResult",
    "add_schedule",
    "deliver",
    "list_deliveries",
    "list_schedules",
    "period_of",
    "remove_schedule",
]

FREQUENCIES = ("daily", "weekly")
#: E-mail to chosen staff, or the configured group robot (a webhook).
CHANNELS = ("email", "wecom", "dingtalk")
#: Deliveries leave at this hour of the company's clock (Mondays for weekly ones).
SEND_HOUR = 8
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def period_of(frequency: str, moment: datetime, zone: str) -> tuple[str, datetime]:
    """The period ``moment`` falls in (``2026-12-06`` or ``2026-W49`` on the company's
    clock) and the moment its delivery is due (08:00 that day, or that week's Monday)."""
    tz = company_zone(zone)
    local = moment.astimezone(tz)
    shifted = local - timedelta(hours=SEND_HOUR)  # before 08:00 belongs to the day before
    day = shifted.date()
    if frequency == "daily":
        start = day
        key = day.isoformat()
    else:
        start = day - timedelta(days=day.weekday())
        year, week, _wd = start.isocalendar()
        key = f"{year}-W{week:02d}"
    due = datetime.combine(start, time(SEND_HOUR), tz)
    return key, due


def next_period(frequency: str, moment: datetime, zone: str) -> tuple[str, datetime]:
    """The period after the one ``moment`` falls in."""
    _key, due = period_of(frequency, moment, zone)
    step = timedelta(days=1 if frequency == "daily" else 7)
    return period_of(frequency, due + step, zone)


def _enqueue_delivery(session: Session, schedule_id: int, period: str, due: datetime) -> int:
    return enqueue(
        session,
        "reports.deliver",
        {"schedule_id": schedule_id, "period": period},
        key=f"reports.deliver:{schedule_id}:{period}",
        run_at=due,
    )


def _recipients(session: Session, channel: str, given: list[str]) -> list[dict[str, str]]:
    """``user=address`` items: the user must exist, be active and read the whole company's
    report; robots take no recipients (the group is the robot's)."""
    if channel != "email":
        if given:
            raise InputError(
                _("Channel {channel} sends to its group: give no recipients.", channel=channel)
            )
        return []
    if not given:
        raise InputError(_("Name at least one recipient as user=address."))
    out = []
    for i, item in enumerate(given, start=1):
        name, sep, address = item.partition("=")
        name, address = name.strip(), address.strip()
        if not sep or not name or not _EMAIL.match(address):
            raise InputError(
                _(
                    "Recipient {n} ({value}): write it as user=address, e.g. "
                    "li.na=li.na@example.cn.",
                    n=i,
                    value=item[:80],
                )
            )
        user = session.scalar(select(StaffUser).where(StaffUser.name == name))
        if user is None or not user.active:
            raise InputError(_("Recipient {n}: no active staff user named {name}.", n=i, name=name))
        scope = effective_scope(user.role, user.scope, Capability.VIEW_REPORTS)
        if scope is not Scope.ALL:
            raise InputError(
                _(
                    "Recipient {n}: {name} may not read the whole company's report.",
                    n=i,
                    name=name,
                )
            )
        out.append({"user": name, "address": address})
    return out


def add_schedule(
    session: Session,
    *,
    name: str,
    frequency: str,
    channel: str,
    recipients: list[str],
    segment: str = "",
    lang: str = "zh-CN",
    wave_id: int | None = None,
    created_by: str | None = None,
    zone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> ReportSchedule:
    """Save a schedule and queue its first delivery (the next period's start)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError(_("Give the schedule a name of 1 to 100 characters."))
    if frequency not in FREQUENCIES:
        raise InputError(_("Frequency {value}: use daily or weekly.", value=frequency[:40]))
    if channel not in CHANNELS:
        raise InputError(
            _("Channel {value}: use one of {names}.", value=channel[:40], names=", ".join(CHANNELS))
        )
    if lang not in ("zh-CN", "en"):
        raise InputError(_("Language {value}: use zh-CN or en.", value=lang[:20]))
    if session.scalar(select(ReportSchedule.id).where(ReportSchedule.name == name)) is not None:
        raise InputError(_("A report schedule named {name} exists already.", name=name))
    schedule = ReportSchedule(
        name=name,
        frequency=frequency,
        channel=channel,
        recipients=_recipients(session, channel, recipients),
        segment=segment,
        lang=lang,
        wave_id=wave_id,
        active=True,
        created_by=created_by,
    )
    session.add(schedule)
    session.flush()
    period, due = next_period(frequency, now or utcnow(), zone)
    _enqueue_delivery(session, schedule.id, period, due)
    return schedule


def remove_schedule(session: Session, *, name: str) -> None:
    schedule = session.scalar(select(ReportSchedule).where(ReportSchedule.name == name))
    if schedule is None:
        raise NotFound(_("No report schedule named {name}.", name=name))
    session.delete(schedule)


def list_schedules(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(ReportSchedule).order_by(ReportSchedule.name))
    return [
        {
            "id": r.id,
            "name": r.name,
            "frequency": r.frequency,
            "channel": r.channel,
            "recipients": [f"{x['user']}={x['address']}" for x in r.recipients],
            "segment": r.segment,
            "lang": r.lang,
            "wave_id": r.wave_id,
            "active": r.active,
        }
        for r in rows
    ]


def list_deliveries(session: Session, *, schedule_id: int | None = None) -> list[dict[str, Any]]:
    q = select(ReportDelivery).order_by(ReportDelivery.id.desc()).limit(200)
    if schedule_id is not None:
        q = q.where(ReportDelivery.schedule_id == schedule_id)
    return [
        {
            "schedule_id": d.schedule_id,
            "period": d.period,
            "status": d.status,
            "sent": d.sent,
            "failed": d.failed,
            "detail": d.detail,
            "started_at": d.started_at,
            "finished_at": d.finished_at,
        }
        for d in session.scalars(q)
    ]


@dataclass(frozen=True)
class _Plan:
    """What a delivery reads of its schedule (copied out of the claiming transaction)."""

    wave_id: int | None
    segment: str
    lang: str
    channel: str
    frequency: str
    recipients: list[dict[str, str]]


@dataclass
class DeliveryResult:
    status: str
    sent: int = 0
    failed: int = 0
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "sent": self.sent, "failed": self.failed}


def _claim(session: Session, schedule_id: int, period: str) -> bool:
    """Take the period's delivery: a new row, or a failed one tried again. False: it is
    delivered or being delivered by another run."""
    values = {
        "schedule_id": schedule_id,
        "period": period,
        "status": "sending",
        "sent": 0,
        "failed": 0,
        "started_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    ins = (
        postgresql.insert(ReportDelivery)
        if dialect == "postgresql"
        else sqlite.insert(ReportDelivery)
    )
    new = session.execute(
        ins.values(values)
        .on_conflict_do_nothing(index_elements=["schedule_id", "period"])
        .returning(ReportDelivery.id)
    ).scalar()
    if new is not None:
        return True
    retried = session.execute(
        update(ReportDelivery)
        .where(
            ReportDelivery.schedule_id == schedule_id,
            ReportDelivery.period == period,
            ReportDelivery.status == "failed",
        )
        .values(status="sending", started_at=utcnow())
    )
    return bool(getattr(retried, "rowcount", 0))


def _text(summary: dict[str, Any], *, wave: str, segment: str, url: str, when: str) -> str:
    lines = [_("Customer satisfaction report: wave {wave}", wave=wave)]
    if segment:
        lines.append(_("Segment: {segment}", segment=segment))
    lines.append(_("As of {when}.", when=when))
    lines.append("")
    for label, text in summary.get("headline", []):
        lines.append(f"{label}: {text}")
    if not summary.get("headline"):
        lines.append(_("No answers yet in this wave."))
    lines += [
        "",
        _("The whole report: {url}", url=url),
        _("PDF: {url}", url=url.replace("/staff/reports?", "/staff/reports/report.pdf?")),
    ]
    return "\n".join(lines)


def deliver(store: Store, settings: Settings, *, schedule_id: int, period: str) -> DeliveryResult:
    """Send one period of a schedule (see the module docstring)."""
    from urllib.parse import urlencode

    from cxm.channels import Message, get_channel, load_channel_settings, log_deliveries
    from cxm.clock import to_company_time
    from cxm.report_cache.snapshots import build_snapshots, kept_report, wave_choices

    with store.writing(), store.session() as s:
        schedule = s.get(ReportSchedule, schedule_id)
        if schedule is None or not schedule.active:
            return DeliveryResult("no_schedule")
        if not _claim(s, schedule_id, period):
            return DeliveryResult("already_delivered")
        sched = _Plan(
            wave_id=schedule.wave_id,
            segment=schedule.segment,
            lang=schedule.lang,
            channel=schedule.channel,
            frequency=schedule.frequency,
            recipients=[dict(r) for r in schedule.recipients],
        )
    try:
        with store.session() as s:
            choices = wave_choices(s)
        wave_id = sched.wave_id or (choices[0].id if choices else 0)
        wave_name = next((w.name for w in choices if w.id == wave_id), "—")
        seg, lang = sched.segment, sched.lang
        with store.session() as s:
            kept = kept_report(s, wave_id=wave_id, segment=seg, lang=lang, visibility="plain")
        if kept is None:
            build_snapshots(store, wave_id=wave_id, segment=seg, lang=lang, min_n=settings.min_n)
            with store.session() as s:
                kept = kept_report(s, wave_id=wave_id, segment=seg, lang=lang, visibility="plain")
        if kept is None:  # build_snapshots just kept it
            raise RuntimeError(f"no kept report for wave {wave_id}")
        params = {"wave": str(wave_id) if wave_id else "", "segment": sched.segment}
        url = (
            settings.base_url.rstrip("/")
            + "/staff/reports?"
            + urlencode({k: v for k, v in params.items() if v})
        )
        when = to_company_time(kept.built_at, settings.timezone).strftime("%Y-%m-%d %H:%M")
        with language(sched.lang):
            text = _text(kept.summary, wave=wave_name, segment=sched.segment, url=url, when=when)
            subject = _("CXM report {wave} ({period})", wave=wave_name, period=period)
        reference = f"report:{schedule_id}:{period}"
        if sched.channel == "email":
            messages = [
                Message(to=r["address"], text=text, subject=subject, lang=sched.lang,
                        reference=reference)
                for r in sched.recipients
            ]  # fmt: skip
        else:
            messages = [Message(to="group", text=text, subject=subject, lang=sched.lang,
                                reference=reference)]  # fmt: skip
        channel = get_channel(sched.channel, load_channel_settings())
        deliveries = channel.send(messages)
        result = DeliveryResult(
            "sent" if any(d.sent for d in deliveries) else "failed",
            sent=sum(1 for d in deliveries if d.sent),
            failed=sum(1 for d in deliveries if not d.sent),
            detail="; ".join(d.detail for d in deliveries if d.detail)[:2000],
        )
    except CXMError as exc:
        deliveries = []
        result = DeliveryResult("failed", detail=exc.message[:2000])
    with store.writing(), store.session() as s:
        log_deliveries(s, sched.channel, deliveries, purpose="report")
        s.execute(
            update(ReportDelivery)
            .where(ReportDelivery.schedule_id == schedule_id, ReportDelivery.period == period)
            .values(
                status=result.status,
                sent=result.sent,
                failed=result.failed,
                detail=result.detail or None,
                finished_at=utcnow(),
            )
        )
        nxt, due = next_period(sched.frequency, utcnow(), settings.timezone)
        if nxt != period:
            _enqueue_delivery(s, schedule_id, nxt, due)
    if result.status == "failed":
        raise _DeliveryFailed(
            _("The report delivery {period} failed: {detail}", period=period, detail=result.detail)
        )
    return result


class _DeliveryFailed(CXMError):
    """Raised after recording a failed delivery, so that the job runner retries it."""
