"""Which survey waves a report is about: the chosen (or latest) one and its comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cxm.errors import NotFound
from cxm.i18n import _
from cxm.reports.context import NoData

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["WaveRef", "all_waves", "resolve_waves"]


@dataclass(frozen=True)
class WaveRef:
    id: int
    name: str
    opens_on: str


def all_waves(session: Session) -> list[WaveRef]:
    """Every wave, oldest first."""
    from cxm.frames.waves import waves_frame

    frame = waves_frame(session)
    return [
        WaveRef(int(i), str(name), opens_on.isoformat())
        for i, name, opens_on in frame[["wave_id", "name", "opens_on"]].itertuples(index=False)
    ]


def _find(waves: list[WaveRef], given: str) -> WaveRef:
    for w in waves:
        if w.name == given or str(w.id) == given:
            return w
    raise NotFound(_("No survey wave named {wave}.", wave=given))


def resolve_waves(
    session: Session, wave: str | None, compare: str | None
) -> tuple[WaveRef, WaveRef | None]:
    """``(current, compare)``: by name or id, else the latest wave and the one before it."""
    waves = all_waves(session)
    if not waves:
        raise NoData(_("No survey waves yet."))
    current = _find(waves, wave) if wave else waves[-1]
    if compare:
        return current, _find(waves, compare)
    before = [w for w in waves if (w.opens_on, w.id) < (current.opens_on, current.id)]
    return current, (before[-1] if before else None)
