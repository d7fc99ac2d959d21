"""``/api/v1/waves``: create a wave and draw its sample, list waves with response rates,
rates per stratum, the invitation export (personal links) and reminders."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts.permissions import Capability
from cxm.responses_io.rates import wave_rates, waves_overview
from cxm.surveys.invitations import export_invitations_csv
from cxm.surveys.mail import send_wave_emails
from cxm.surveys.questionnaires import get_questionnaire
from cxm.surveys.waves import create_wave, enable_public_link, get_wave, sample_wave
from cxm.web.deps import AppSettings, AppStore, DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["WaveIn", "router"]

router = APIRouter(prefix="/waves", tags=["waves"])

Configure = Annotated[Grant, Require(Capability.CONFIGURE)]
Rates = Annotated[Grant, Require(Capability.VIEW_REPORTS, filters=True)]
Export = Annotated[Grant, Require(Capability.EXPORT)]
Send = Annotated[Grant, Require(Capability.SEND_SURVEYS, filters=True)]


class WaveIn(BaseModel):
    """A wave and how to draw its sample."""

    model_config = ConfigDict(extra="forbid")

    questionnaire: str = Field(max_length=64, description="Questionnaire code.")
    name: str = Field(min_length=1, max_length=200)
    opens_on: date
    closes_on: date
    quiet_days: int = Field(default=90, ge=0, le=3650)
    stratum: str | None = Field(
        default=None,
        max_length=100,
        description="Customer column or attribute to stratify by, or segment:NAME (the "
        "current segments of a saved definition).",
    )
    quotas: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] | int | None = Field(
        default=None, description="Per-stratum quotas, one quota for all, or none (everyone)."
    )
    seed: int | None = None
    public_link: bool = False


@router.post("", status_code=201)
def create(body: WaveIn, db: DbSession, grant: Configure) -> dict[str, Any]:
    """Create the wave and invite its sample in one transaction."""
    q = get_questionnaire(db, code=body.questionnaire)
    wave = create_wave(
        db,
        questionnaire_id=q.id,
        name=body.name,
        opens_on=body.opens_on,
        closes_on=body.closes_on,
        quiet_days=body.quiet_days,
        actor_id=grant.user.id,
    )
    result = sample_wave(
        db,
        wave_id=wave.id,
        stratum=body.stratum,
        quotas=body.quotas,
        seed=body.seed,
        actor_id=grant.user.id,
    )
    out: dict[str, Any] = {
        "id": wave.id,
        "name": wave.name,
        "invited": result.invited,
        "shortfall": result.shortfall,
        "skipped_quiet": result.skipped_quiet,
        "total": result.total,
    }
    if body.public_link:
        # Shown once: only its hash is kept. The respondent routes turn it into a URL.
        out["public_token"] = enable_public_link(db, wave_id=wave.id)
    return out


@router.get("")
def list_waves(db: DbSession, grant: Rates) -> list[dict[str, Any]]:
    """Every wave with invited, completed and response rate."""
    return [w.to_dict() for w in waves_overview(db, team_ids=grant.team_ids)]


@router.get("/{wave_id}")
def read_wave(wave_id: int, db: DbSession, grant: Rates) -> dict[str, Any]:
    wave = get_wave(db, wave_id=wave_id)
    return {
        "id": wave.id,
        "name": wave.name,
        "questionnaire": wave.questionnaire.code,
        "opens_on": wave.opens_on,
        "closes_on": wave.closes_on,
        "quiet_days": wave.quiet_days,
        "sampling": wave.sampling,
        "rates": wave_rates(db, wave_id=wave_id, team_ids=grant.team_ids).to_dict(),
    }


@router.get("/{wave_id}/rates")
def rates(wave_id: int, db: DbSession, grant: Rates) -> dict[str, Any]:
    """Response rate overall and per stratum (segment)."""
    return wave_rates(db, wave_id=wave_id, team_ids=grant.team_ids).to_dict()


@router.get(
    "/{wave_id}/invitations.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def invitations_csv(wave_id: int, db: DbSession, settings: AppSettings, grant: Export) -> Response:
    """Open invitations with a fresh personal link each (earlier links keep working)."""
    get_wave(db, wave_id=wave_id)
    out = io.StringIO()
    export_invitations_csv(db, wave_id=wave_id, base_url=settings.base_url, out=out)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="wave-{wave_id}-invitations.csv"'},
    )


class RemindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_days_since: int = Field(default=3, ge=0, le=365)
    max_reminders: int = Field(default=2, ge=1, le=10)
    lang: str = Field(default="zh-CN", pattern=r"^(en|zh-CN|zh-TW)$")


@router.post("/{wave_id}/reminders")
def remind(
    wave_id: int,
    store: AppStore,
    settings: AppSettings,
    grant: Send,
    body: RemindIn | None = None,
) -> dict[str, Any]:
    """E-mail a reminder to non-responders (sent or last reminded ``min_days_since`` days ago)."""
    body = body or RemindIn()
    with store.session() as s:
        get_wave(s, wave_id=wave_id)
    result = send_wave_emails(
        store,
        settings,
        wave_id=wave_id,
        reminder=True,
        lang=body.lang,
        min_days_since=body.min_days_since,
        max_reminders=body.max_reminders,
        team_ids=grant.team_ids,
    )
    return {
        "sent": result.sent,
        "no_email": result.no_email,
        "failed": result.failed,
        "no_consent": result.no_consent,
    }
