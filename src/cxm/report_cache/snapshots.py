"""Kept reports: build once per wave, segment and language, keep one copy per visibility.

Computing the report takes seconds to a minute (it fits models on every answer); reading a
kept copy takes milliseconds. The builder computes every section once and keeps four copies
that differ only in which sections they hold: ``full`` (money and comments), ``money``,
``verbatim`` and ``plain`` (neither). A reader gets the copy of *their* visibility only —
never the full copy filtered at reading time — so a copy can never show what its reader may
not see (:func:`visibility_of`).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from cxm.i18n import _, language
from cxm.report_cache.models import ReportSnapshot
from cxm.store import Store
from cxm.store.base import utcnow
from cxm.surveys.models import Response

__all__ = [
    "MONEY_SECTIONS",
    "REFRESH_MINUTES",
    "VERBATIM_SECTIONS",
    "VISIBILITIES",
    "Freshness",
    "KeptReport",
    "build_snapshots",
    "freshness",
    "hidden_sections",
    "kept_pdf",
    "kept_report",
    "previous_wave",
    "segment_choices",
    "stale_keys",
    "visibility_of",
    "wave_answers",
    "wave_choices",
]

#: Sections that show money (CLV, margins, profit) or respondents' own words.
MONEY_SECTIONS = frozenset({"segments", "retention"})
VERBATIM_SECTIONS = frozenset({"comments"})
#: visibility → (shows money, shows verbatim comments)
VISIBILITIES: dict[str, tuple[bool, bool]] = {
    "full": (True, True),
    "money": (True, False),
    "verbatim": (False, True),
    "plain": (False, False),
}
#: A kept report is rebuilt at most this often while answers arrive.
REFRESH_MINUTES = 10


def visibility_of(*, money: bool, verbatim: bool) -> str:
    """The copy a reader may see: ``money``/``verbatim`` are their rights over the whole
    company (a partial right counts as none: the report covers everyone)."""
    for name, rights in VISIBILITIES.items():
        if rights == (money, verbatim):
            return name
    raise AssertionError("unreachable")


def hidden_sections(visibility: str) -> frozenset[str]:
    money, verbatim = VISIBILITIES[visibility]
    return (frozenset() if money else MONEY_SECTIONS) | (
        frozenset() if verbatim else VERBATIM_SECTIONS
    )


@dataclass(frozen=True)
class WaveChoice:
    id: int
    name: str
    opens_on: str


def wave_choices(session: Session) -> list[WaveChoice]:
    """Every wave, newest first (the page's wave picker)."""
    from cxm.reports.waves import all_waves

    return [WaveChoice(w.id, w.name, w.opens_on) for w in reversed(all_waves(session))]


def previous_wave(session: Session, wave_id: int) -> tuple[int, str] | None:
    """The wave before ``wave_id`` (by opening date): what an empty section offers."""
    choices = wave_choices(session)
    ids = [w.id for w in choices]
    if wave_id not in ids:
        return None
    i = ids.index(wave_id)
    return (choices[i + 1].id, choices[i + 1].name) if i + 1 < len(choices) else None


def wave_answers(session: Session, wave_id: int) -> tuple[int, datetime | None]:
    """Completed responses of the wave and when the last came (an index-only read)."""
    if not wave_id:
        return 0, None
    n, last = session.execute(
        select(func.count(), func.max(Response.completed_at)).where(
            Response.wave_id == wave_id, Response.completed_at.is_not(None)
        )
    ).one()
    return int(n), last


@dataclass(frozen=True)
class KeptReport:
    """A kept copy as the page shows it."""

    id: int
    wave_id: int
    segment: str
    lang: str
    visibility: str
    html: str
    summary: dict[str, Any]
    answers: int
    built_at: datetime
    build_seconds: float
    has_pdf: bool


def _key(wave_id: int, segment: str, lang: str, visibility: str) -> Any:
    return (
        (ReportSnapshot.wave_id == wave_id)
        & (ReportSnapshot.segment == segment)
        & (ReportSnapshot.lang == lang)
        & (ReportSnapshot.visibility == visibility)
    )


def kept_report(
    session: Session, *, wave_id: int, segment: str, lang: str, visibility: str
) -> KeptReport | None:
    """The kept copy for exactly this visibility, or None (not built yet)."""
    row = session.execute(
        select(
            ReportSnapshot.id,
            ReportSnapshot.html,
            ReportSnapshot.summary,
            ReportSnapshot.answers,
            ReportSnapshot.built_at,
            ReportSnapshot.build_seconds,
            ReportSnapshot.pdf.is_not(None),
        ).where(_key(wave_id, segment, lang, visibility))
    ).one_or_none()
    if row is None:
        return None
    sid, html, summary, answers, built_at, seconds, has_pdf = row
    return KeptReport(
        id=sid,
        wave_id=wave_id,
        segment=segment,
        lang=lang,
        visibility=visibility,
        html=zlib.decompress(html).decode("utf-8"),
        summary=dict(summary or {}),
        answers=int(answers),
        built_at=built_at,
        build_seconds=float(seconds),
        has_pdf=bool(has_pdf),
    )


@dataclass(frozen=True)
class Freshness:
    built_at: datetime
    newer_answers: int


def freshness(session: Session, kept: KeptReport) -> Freshness:
    n, _last = wave_answers(session, kept.wave_id)
    return Freshness(kept.built_at, max(n - kept.answers, 0))


def kept_pdf(
    session: Session, *, wave_id: int, segment: str, lang: str, visibility: str
) -> bytes | None:
    """The copy's PDF, made (and kept) on the first call; None when there is no copy."""
    from cxm.reports.render import render_pdf_document

    row = session.execute(
        select(ReportSnapshot).where(_key(wave_id, segment, lang, visibility))
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.pdf is not None:
        return bytes(row.pdf)
    pdf = _pdf_of(row, render_pdf_document)
    session.execute(
        update(ReportSnapshot)
        .where(ReportSnapshot.id == row.id, ReportSnapshot.built_at == row.built_at)
        .values(pdf=pdf, pdf_wanted=True)
    )
    return pdf


def _pdf_of(row: ReportSnapshot, render: Any) -> bytes:
    head = row.summary.get("head", {})
    pdf: bytes = render(
        title=str(head.get("title", "")),
        subtitle=str(head.get("subtitle", "")),
        lang=row.lang,
        generated=str(head.get("generated", "")),
        body_html=zlib.decompress(row.html).decode("utf-8"),
    )
    return pdf


_building: dict[tuple[int, str, str], threading.Lock] = {}
_building_lock = threading.Lock()


def _lock_for(key: tuple[int, str, str]) -> threading.Lock:
    with _building_lock:
        return _building.setdefault(key, threading.Lock())


def _headline(report: Any) -> list[list[str]]:
    try:
        section = report.section("headline")
    except KeyError:
        return []
    return [[f.label, f.text] for f in section.figures]


def build_snapshots(
    store: Store,
    *,
    wave_id: int,
    segment: str,
    lang: str,
    min_n: int,
) -> float:
    """Compute the report of ``wave_id`` (0: the store has no wave) for ``segment`` in
    ``lang`` once and keep its four copies; return the seconds it took. The wave's answers
    are counted *before* computing, so those that arrive meanwhile count as newer. Two
    builds of one key in this process run one after the other (the second is quick to
    repeat, and the database's unique key keeps one row per copy either way)."""
    from urllib.parse import urlencode

    from cxm.reports import STORE_SECTIONS, Report, build_report
    from cxm.reports.render import render_fragment

    with _lock_for((wave_id, segment, lang)):
        started = time.perf_counter()
        with store.session() as s:
            answers, last = wave_answers(s, wave_id)
            earlier = previous_wave(s, wave_id)
        report = build_report(
            store,
            wave=str(wave_id) if wave_id else None,
            lang=lang,
            min_n=min_n,
            segment=segment or None,
            sections=STORE_SECTIONS,
        )
        link = None
        if earlier is not None:
            params = {"wave": str(earlier[0]), "segment": segment}
            with language(lang):
                link = {
                    "href": "/staff/reports?" + urlencode({k: v for k, v in params.items() if v}),
                    "text": _("See the previous wave, {wave}.", wave=earlier[1]),
                }
        with language(lang):
            head = {
                "title": report.title,
                "subtitle": report.subtitle,
                "generated": _(
                    "Generated {when}", when=report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
                ),
            }
        now = utcnow()
        rows = []
        for visibility in VISIBILITIES:
            hidden = hidden_sections(visibility)
            shown = Report(
                title=report.title,
                subtitle=report.subtitle,
                lang=report.lang,
                generated_at=report.generated_at,
                sections=[sec for sec in report.sections if sec.key not in hidden],
                footer=report.footer,
            )
            html = render_fragment(shown, earlier=link)
            rows.append(
                {
                    "wave_id": wave_id,
                    "segment": segment,
                    "lang": lang,
                    "visibility": visibility,
                    "html": zlib.compress(html.encode("utf-8"), 6),
                    "summary": {"head": head, "headline": _headline(shown)},
                    "answers": answers,
                    "last_answer_at": last,
                    "built_at": now,
                    "build_seconds": round(time.perf_counter() - started, 3),
                }
            )
        with store.writing(), store.session() as s:
            wanted = set(
                s.scalars(
                    select(ReportSnapshot.visibility).where(
                        ReportSnapshot.wave_id == wave_id,
                        ReportSnapshot.segment == segment,
                        ReportSnapshot.lang == lang,
                        ReportSnapshot.pdf_wanted.is_(True),
                    )
                )
            )
            s.execute(
                delete(ReportSnapshot).where(
                    ReportSnapshot.wave_id == wave_id,
                    ReportSnapshot.segment == segment,
                    ReportSnapshot.lang == lang,
                )
            )
            for row in rows:
                s.add(ReportSnapshot(pdf=None, pdf_wanted=row["visibility"] in wanted, **row))
            s.flush()
        if wanted:
            _remake_pdfs(store, wave_id=wave_id, segment=segment, lang=lang)
        return time.perf_counter() - started


def _remake_pdfs(store: Store, *, wave_id: int, segment: str, lang: str) -> None:
    """The PDFs someone downloaded before are made again with the new build."""
    for visibility in VISIBILITIES:
        with store.writing(), store.session() as s:
            row = s.execute(
                select(ReportSnapshot).where(
                    _key(wave_id, segment, lang, visibility), ReportSnapshot.pdf_wanted.is_(True)
                )
            ).scalar_one_or_none()
            if row is not None and row.pdf is None:
                kept_pdf(s, wave_id=wave_id, segment=segment, lang=lang, visibility=visibility)


@dataclass(frozen=True)
class StaleKey:
    wave_id: int
    segment: str
    lang: str
    newer: int


def stale_keys(session: Session, *, now: datetime | None = None) -> list[StaleKey]:
    """Kept reports whose wave has answers newer than the copy and whose copy is at least
    :data:`REFRESH_MINUTES` old: what the ten-minute refresh rebuilds."""
    now = now or utcnow()
    limit = now - timedelta(minutes=REFRESH_MINUTES)
    keys = session.execute(
        select(
            ReportSnapshot.wave_id,
            ReportSnapshot.segment,
            ReportSnapshot.lang,
            func.min(ReportSnapshot.answers),
            func.min(ReportSnapshot.built_at),
        ).group_by(ReportSnapshot.wave_id, ReportSnapshot.segment, ReportSnapshot.lang)
    ).all()
    counts: dict[int, int] = {}
    out = []
    for wave_id, segment, lang, answers, built_at in keys:
        if wave_id not in counts:
            counts[wave_id] = wave_answers(session, wave_id)[0]
        built = built_at if built_at.tzinfo else built_at.replace(tzinfo=now.tzinfo)
        if counts[wave_id] > answers and built <= limit:
            out.append(StaleKey(wave_id, segment, lang, counts[wave_id] - answers))
    return out


def kept_keys(session: Session) -> Iterable[tuple[int, str, str]]:
    return session.execute(
        select(ReportSnapshot.wave_id, ReportSnapshot.segment, ReportSnapshot.lang).distinct()
    ).all()


def segment_choices(session: Session) -> list[str]:
    """Every ``definition:segment`` the store has (the page's segment picker)."""
    from cxm.management.definitions import list_definitions, segment_labels

    return [f"{d.name}:{label}" for d in list_definitions(session) for label in segment_labels(d)]
