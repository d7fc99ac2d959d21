"""The survey data a report reads: one wave's responses as a frame, and which questions
play which role (overall satisfaction, recommend, scorecard sides, constructs, comments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from cxm.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
from cxm.reports.context import NoData, ReportContext, TooFewAnswers
from cxm.reports.waves import WaveRef, resolve_waves

__all__ = [
    "SurveyItems",
    "enough_responses",
    "segment_customers",
    "survey_items",
    "wave_frame",
    "waves",
]


@dataclass(frozen=True)
class SurveyItems:
    """Question codes by role, from the wave's questionnaire definition."""

    overall: str | None
    recommend: str | None
    effort: str | None
    dimensions: dict[str, list[str]] = field(default_factory=dict)
    constructs: dict[str, list[str]] = field(default_factory=dict)
    ratings: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def waves(ctx: ReportContext) -> tuple[WaveRef, WaveRef | None]:
    """The report's wave and the wave it is compared with (None: there is none)."""

    def compute() -> tuple[WaveRef, WaveRef | None]:
        with ctx.require_store().session() as session:
            return resolve_waves(session, ctx.wave, ctx.compare)

    return ctx.memo("waves", compute)


def wave_frame(ctx: ReportContext, wave_id: int) -> pd.DataFrame:
    """One row per completed response of the wave, one column per question code."""
    from cxm.frames.responses import responses_frame

    def compute() -> pd.DataFrame:
        with ctx.require_store().session() as session:
            frame: pd.DataFrame = responses_frame(session, wave_id=wave_id)
            if ctx.segment:
                frame = frame[frame["customer_id"].isin(segment_customers(session, ctx.segment))]
        if frame.empty:
            raise NoData(_("The wave has no responses yet."))
        return frame

    return ctx.memo(f"frame:{wave_id}", compute)


def segment_customers(session: Session, segment: str) -> set[int]:
    """The customers now in ``definition:segment`` (as ``cxm segments show`` lists them)."""
    from cxm.management.segments import members

    definition, _sep, label = segment.partition(":")
    if not label:
        raise NoData(
            _("Segment {segment}: name it as definition:segment, e.g. value:key.", segment=segment)
        )
    frame = members(session, definition)
    return set(frame.loc[frame["segment"] == label, "customer_id"].astype(int).tolist())


def enough_responses(ctx: ReportContext, frame: pd.DataFrame, wave: str) -> pd.DataFrame:
    """``frame`` if it has at least ``ctx.min_n`` responses; otherwise say so (a model or a
    driver analysis on a handful of answers would be noise): :class:`TooFewAnswers`."""
    if len(frame) < ctx.min_n:
        raise TooFewAnswers(
            _(
                "No answers yet in wave {wave} (n = {n}, below the minimum of {min}).",
                wave=wave,
                n=len(frame),
                min=ctx.min_n,
            ),
            n=len(frame),
            minimum=ctx.min_n,
        )
    return frame


def survey_items(ctx: ReportContext, wave_id: int) -> SurveyItems:
    def compute() -> SurveyItems:
        from cxm.surveys.models import Wave
        from cxm.surveys.questionnaires import latest_version, load_version
        from cxm.surveys.schema import QuestionType, pick_text

        with ctx.require_store().session() as session:
            wave = session.get(Wave, wave_id)
            if wave is None:
                raise NoData(_("No survey waves yet."))
            definition = load_version(
                latest_version(session, questionnaire_id=wave.questionnaire_id)
            )
        overall = recommend = effort = None
        dims: dict[str, list[str]] = {}
        cons: dict[str, list[str]] = {}
        ratings, comments, labels = [], [], {}
        for q in definition.questions():
            labels[q.code] = pick_text(q.text, ctx.lang)
            if q.type == QuestionType.TEXT:
                comments.append(q.code)
            if q.type == QuestionType.NPS and recommend is None:
                recommend = q.code
            if q.type == QuestionType.CES and effort is None:
                effort = q.code
            construct = q.latent
            if construct is not None:
                cons.setdefault(str(construct.value), []).append(q.code)
            if q.type == QuestionType.SATISFACTION5:
                ratings.append(q.code)
                if q.dimension is not None:
                    dims.setdefault(q.dimension.value, []).append(q.code)
                if overall is None and construct is not None and construct.value == "satisfaction":
                    overall = q.code
        if overall is None and ratings:
            overall = ratings[0]
        return SurveyItems(overall, recommend, effort, dims, cons, ratings, comments, labels)

    return ctx.memo(f"items:{wave_id}", compute)
