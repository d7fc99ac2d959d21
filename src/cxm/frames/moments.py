"""Moment-of-truth ratings: the responses to the moment-of-truth questionnaire, each with
the journey stage of the contact it rates and the name of the team that served it."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxm.customers.models import Team, Touchpoint
from cxm.frames.cache import read_once
from cxm.frames.responses import responses_frame
from cxm.surveys.models import Questionnaire, Response

__all__ = ["MOMENTS_QUESTIONNAIRE", "moments_frame"]

#: The code of the questionnaire sent after single contacts.
MOMENTS_QUESTIONNAIRE = "moment_of_truth"


@read_once
def moments_frame(session: Session) -> pd.DataFrame | None:
    """The moment-of-truth responses (:func:`responses_frame` columns) with ``stage`` (the
    rated touchpoint's journey stage code) and ``team`` (the team's name) added; ``None``
    when there is no moment-of-truth questionnaire."""
    qid = session.scalar(
        select(Questionnaire.id).where(Questionnaire.code == MOMENTS_QUESTIONNAIRE)
    )
    if qid is None:
        return None
    frame = responses_frame(session, questionnaire_id=qid)
    rated = select(Response.touchpoint_id).where(Response.questionnaire_id == qid)
    stages = {
        r[0]: r[1]
        for r in session.execute(
            select(Touchpoint.id, Touchpoint.stage).where(Touchpoint.id.in_(rated))
        )
    }
    teams = {r[0]: r[1] for r in session.execute(select(Team.id, Team.name))}
    frame["stage"] = frame["touchpoint_id"].map(
        lambda t: None if pd.isna(t) else str(stages.get(int(t), ""))
    )
    frame["team"] = frame["team_id"].map(lambda t: None if pd.isna(t) else teams.get(int(t)))
    return frame
