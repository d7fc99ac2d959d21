"""Survey waves as a frame: id, name and opening date, oldest first."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.frames.cache import read_once
from cxm.surveys.models import Wave

__all__ = ["waves_frame"]


@read_once
def waves_frame(session: Session) -> pd.DataFrame:
    """Every wave (``wave_id``, ``name``, ``opens_on`` as a date), oldest first."""
    rows = session.execute(
        select(Wave.id, Wave.name, Wave.opens_on).order_by(Wave.opens_on, Wave.id)
    ).all()
    return pd.DataFrame(
        [(int(r.id), str(r.name), r.opens_on) for r in rows],
        columns=["wave_id", "name", "opens_on"],
    )
