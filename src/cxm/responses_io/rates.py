"""Response rates of a wave, overall and per stratum (the segment the sample was drawn by).

rate = completed responses / invitations. Computed by one GROUP BY in the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from cxm.i18n import _
from cxm.surveys.models import Invitation, Response, Wave
from cxm.surveys.waves import get_wave

__all__ = ["RateRow", "WaveRates", "format_rate", "wave_rates"]


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


@dataclass(frozen=True, slots=True)
class RateRow:
    stratum: str
    invited: int
    started: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.invited if self.invited else None

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}


@dataclass(frozen=True, slots=True)
class WaveRates:
    wave_id: int
    wave: str
    total: RateRow
    strata: list[RateRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "wave_id": self.wave_id,
            "wave": self.wave,
            "total": self.total.to_dict(),
            "strata": [r.to_dict() for r in self.strata],
        }


def _of_teams(team_ids: frozenset[int] | None) -> ColumnElement[bool]:
    from cxm.org.serving import in_teams

    return in_teams(Invitation.team_id, Invitation.customer_id, team_ids)


def wave_rates(
    session: Session, *, wave_id: int, team_ids: frozenset[int] | None = None
) -> WaveRates:
    """Invited, started (a page saved, not finished) and completed per stratum; only the
    invitations of ``team_ids`` (see :func:`cxm.org.serving.in_teams`) unless it is None."""
    wave: Wave = get_wave(session, wave_id=wave_id)
    completed = case((Response.completed_at.is_not(None), 1), else_=0)
    started = case((Response.id.is_not(None) & Response.completed_at.is_(None), 1), else_=0)
    rows = session.execute(
        select(
            Invitation.stratum,
            func.count(Invitation.id),
            func.coalesce(func.sum(started), 0),
            func.coalesce(func.sum(completed), 0),
        )
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.wave_id == wave_id, _of_teams(team_ids))
        .group_by(Invitation.stratum)
        .order_by(Invitation.stratum)
    ).all()
    no_stratum = _("(no stratum)")
    strata = [
        RateRow(
            stratum=s if s is not None else no_stratum,
            invited=int(n),
            started=int(st),
            completed=int(c),
        )
        for s, n, st, c in rows
    ]
    total = RateRow(
        stratum=_("All"),
        invited=sum(r.invited for r in strata),
        started=sum(r.started for r in strata),
        completed=sum(r.completed for r in strata),
    )
    return WaveRates(wave_id=wave.id, wave=wave.name, total=total, strata=strata)


@dataclass(frozen=True, slots=True)
class WaveSummary:
    id: int
    name: str
    questionnaire: str
    opens_on: str
    closes_on: str
    invited: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.invited if self.invited else None

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}


def waves_overview(
    session: Session, *, team_ids: frozenset[int] | None = None
) -> list[WaveSummary]:
    """Every wave, newest first, with invited and completed counts (two queries in all);
    counting only the invitations of ``team_ids`` unless it is None."""
    from cxm.surveys.models import Questionnaire

    counts = {
        wid: (int(n), int(c))
        for wid, n, c in session.execute(
            select(
                Invitation.wave_id,
                func.count(Invitation.id),
                func.count(Response.completed_at),
            )
            .outerjoin(Response, Response.invitation_id == Invitation.id)
            .where(Invitation.wave_id.is_not(None), _of_teams(team_ids))
            .group_by(Invitation.wave_id)
        ).all()
    }
    waves = session.execute(
        select(Wave, Questionnaire.code)
        .join(Questionnaire, Questionnaire.id == Wave.questionnaire_id)
        .order_by(Wave.opens_on.desc(), Wave.id.desc())
    ).all()
    return [
        WaveSummary(
            id=w.id,
            name=w.name,
            questionnaire=code,
            opens_on=w.opens_on.isoformat(),
            closes_on=w.closes_on.isoformat(),
            invited=counts.get(w.id, (0, 0))[0],
            completed=counts.get(w.id, (0, 0))[1],
        )
        for w, code in waves
    ]


__all__ += ["WaveSummary", "waves_overview"]


def resolve_wave(session: Session, *, ref: str) -> Wave:
    """A wave by its id (digits) or its name."""
    from cxm.errors import NotFound

    if ref.isdigit():
        return get_wave(session, wave_id=int(ref))
    wave = session.scalar(select(Wave).where(Wave.name == ref))
    if wave is None:
        raise NotFound(_("No survey wave named {wave}.", wave=ref))
    return wave


__all__ += ["resolve_wave"]
