"""The linkage document: employee results against customer results per team, and the
team-level service–profit chain (``cxm people linkage``, the report's people section).

Above :mod:`cxm.people.linkage_data` (the frames) and :mod:`cxm.people.path_model` (which
reads those frames too).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from cxm.errors import InputError
from cxm.i18n import _
from cxm.people.linkage_data import linkage_frames
from cxm.people.path_model import team_path_frame, team_path_model

__all__ = ["linkage_document"]


def linkage_document(
    session: Session,
    *,
    resamples: int = 2000,
    mixed: bool = False,
    csat_question: str = "CUSA1",
    minimum: int | None = None,
    path_model: bool = True,
) -> dict[str, Any]:
    """What ``cxm people linkage --json`` prints and the report's section shows: the
    correlations per outcome and, with ``path_model``, the team-level service–profit chain
    (:mod:`cxm.people.path_model`; it says why when there are too few teams)."""
    from cxm.analytics.linkage import linkage

    frames = linkage_frames(session, csat_question=csat_question, minimum=minimum)
    if frames.employee.empty:  # every team withheld: nothing to link (was a 500 on a page)
        raise InputError(_("No team's employee result is shown yet."))
    result = linkage(frames.employee, frames.customers, resamples=resamples, mixed=mixed)

    def corr(c: Any) -> dict[str, Any] | None:
        return None if c is None else {**asdict(c), "excludes_zero": c.excludes_zero}

    chain: dict[str, Any] | None = None
    if path_model:
        chain = team_path_model(
            team_path_frame(session, csat_question=csat_question, minimum=minimum),
            resamples=resamples,
        ).document()
    return {
        "teams": result.teams,
        "path_model": chain,
        "waves": [name for name, _start, _end in frames.periods],
        "links": [
            {
                "outcome": link.outcome,
                "pearson": corr(link.pearson),
                "spearman": corr(link.spearman),
                "lagged": corr(link.lagged),
                "mixed": None if link.mixed is None else asdict(link.mixed),
                "conclusion": link.conclusion,
            }
            for link in result.links
        ],
    }
