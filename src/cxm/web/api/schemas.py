"""What the JSON API answers: one pydantic model per response, so that the OpenAPI
document (``docs/openapi.json``) says what each route returns.

Tables computed by the analytics (rates per segment, a ranking, a survival curve) are
lists of records whose columns are those the matching ``cxm … --json`` command prints;
they are typed :data:`Records`. Every model allows extra keys, so that a field a service
adds reaches the client before its model names it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "ChurnReportOut",
    "ChurnRiskOut",
    "ChurnSurvivalOut",
    "ClvOut",
    "ImportOut",
    "Instant",
    "InvestOut",
    "QuestionnaireDetailOut",
    "QuestionnaireOut",
    "QuestionnaireSavedOut",
    "Records",
    "RemindOut",
    "ResponsePageOut",
    "SegmentDefinedOut",
    "SegmentDefinitionOut",
    "SegmentsOut",
    "SegmentsRecomputedOut",
    "SimulateOut",
    "TargetOut",
    "TargetProposalOut",
    "TargetReportOut",
    "TargetRowOut",
    "TokenOut",
    "UserOut",
    "WaveCreatedOut",
    "WaveDetailOut",
    "WaveRatesOut",
    "WaveSummaryOut",
]


def _aware(value: datetime) -> datetime:
    """A moment with its offset: SQLite hands back stored UTC moments without one, and
    the OpenAPI ``date-time`` format (RFC 3339) requires it."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


#: A moment in an answer: always with its UTC offset, on either database.
Instant = Annotated[datetime, AfterValidator(_aware)]

#: Rows of a table, one dict per row, columns as the matching CLI command's ``--json``.
Records = list[dict[str, Any]]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- questionnaires -------------------------------------------------------------------


class QuestionnaireOut(_Out):
    id: int
    code: str
    title: Any = Field(description="The title: text, or text per language.")
    version: int = Field(description="The newest version's number.")


class QuestionnaireVersionOut(_Out):
    version: int
    created_at: Any = Field(description="When the version was saved (ISO 8601).")


class QuestionnaireDetailOut(QuestionnaireOut):
    versions: list[QuestionnaireVersionOut]
    definition: dict[str, Any] = Field(description="The newest version's definition.")


class QuestionnaireSavedOut(_Out):
    id: int
    code: str
    version: int
    new_version: bool = Field(description="A new version was made (the old one had answers).")


# --- waves and responses ----------------------------------------------------------------


class WaveCreatedOut(_Out):
    id: int
    name: str
    invited: dict[str, int] = Field(description="Invitations made per stratum.")
    shortfall: dict[str, int] = Field(description="Per stratum, how many fewer than asked.")
    skipped_quiet: int
    total: int
    public_token: str | None = Field(
        default=None, description="The public link's token, shown once (public_link only)."
    )


class WaveSummaryOut(_Out):
    id: int
    name: str
    questionnaire: str
    opens_on: str
    closes_on: str
    invited: int
    completed: int
    rate: float | None


class RateRowOut(_Out):
    stratum: str
    invited: int
    started: int
    completed: int
    rate: float | None


class WaveRatesOut(_Out):
    wave_id: int
    wave: str
    total: RateRowOut
    strata: list[RateRowOut]


class WaveDetailOut(_Out):
    id: int
    name: str
    questionnaire: str
    opens_on: date
    closes_on: date
    quiet_days: int
    sampling: dict[str, Any] = Field(description="How the wave's sample was drawn.")
    rates: WaveRatesOut


class RemindOut(_Out):
    sent: int
    no_email: int
    failed: int


class ResponseColumnOut(_Out):
    name: str
    label: str
    kind: str


class ResponsePageOut(_Out):
    wave_id: int
    total: int
    page: int
    per_page: int
    columns: list[ResponseColumnOut]
    items: Records


class ImportOut(_Out):
    imported: int
    skipped_incomplete: int
    source: str


# --- users ------------------------------------------------------------------------------


class UserOut(_Out):
    id: int
    name: str
    email: str | None = None
    role: str
    scope: str | None = None
    team_id: int | None = None
    unit_id: int | None = None
    active: bool


class TokenOut(_Out):
    id: int
    token: str = Field(description="The bearer token, shown once.")
    prefix: str


# --- segments, targets, churn, economics --------------------------------------------------


class SegmentDefinitionOut(_Out):
    name: str
    kind: str
    parameters: dict[str, Any]
    exclusive: bool
    computed_at: str | None


class SegmentDefinedOut(_Out):
    name: str
    kind: str
    parameters: dict[str, Any]


class SegmentsRecomputedOut(_Out):
    definition: str
    computed_at: str
    customers: int
    started: int
    ended: int
    segments: Records


class SegmentsOut(_Out):
    definition: str
    at: str | None
    segments: Records


class TargetOut(_Out):
    segment: str
    kpi: str
    value: float
    set_by: str | None


class TargetRowOut(_Out):
    segment: str
    kpi: str
    wave_id: int | None
    period: str | None
    target: float
    service_level: str | None
    set_by: str | None
    set_at: str | None = Field(description="When the target was set (ISO 8601).")


class TargetProposalOut(_Out):
    kpi: str
    current: Any = Field(description="The KPI's current value per segment.")
    proposals: Records


class TargetReportOut(_Out):
    definition: str
    rows: Records


class ChurnReportOut(_Out):
    rates: Records
    reasons: Records


class ChurnSurvivalOut(_Out):
    summary: Records
    logrank_p: float | None
    curves: Records


class ChurnRiskOut(_Out):
    auc: float | None
    brier: float | None
    base_rate: float | None
    n_train: int
    n_test: int
    coefficients: Records
    reliability: Records
    at_risk: Records


class ClvOut(_Out):
    segments: Records


class SimulateOut(_Out):
    segments: Records


class InvestOut(_Out):
    churn_per_point: float | None
    ranking: Records
    drivers: Records
