"""Running a wave from the workspace: plan and draw its sample from a segment, preview and
test the invitation message, close it early, and enter a phone interview's answers on the
customer's behalf (marked as interviewer-entered).

The same services as ``cxm waves create|send|remind`` (:func:`~cxm.surveys.waves.create_wave`,
:func:`~cxm.surveys.waves.sample_wave`, :func:`~cxm.surveys.mail.send_wave_emails`); these
functions only bundle what one form does, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cxm.audit.service import record
from cxm.channels import Delivery, Message, get_channel, log_deliveries
from cxm.channels.settings import ChannelSettings
from cxm.config import Settings
from cxm.errors import InputError, NotFound
from cxm.i18n import _
from cxm.store.base import utcnow
from cxm.surveys.invitations import personal_link
from cxm.surveys.mail import WAVE_CHANNELS, MailNotConfigured, channel_settings, invitation_text
from cxm.surveys.models import Invitation, InvitationStatus, Questionnaire, Wave
from cxm.surveys.questionnaires import get_questionnaire
from cxm.surveys.recording import CompletedResponse, record_responses
from cxm.surveys.schema import QuestionnaireDef, QuestionType, pick_text
from cxm.surveys.waves import (
    SEGMENT_PREFIX,
    SampleResult,
    _strata,
    create_wave,
    get_wave,
    sample_wave,
)

__all__ = [
    "INTERVIEW_SOURCE",
    "StratumPlan",
    "WavePlan",
    "close_wave",
    "create_sampled_wave",
    "interview_invitation",
    "message_preview",
    "plan_strata",
    "record_interview",
    "send_test_message",
]

#: ``Response.source`` of answers a staff member entered during a phone interview.
INTERVIEW_SOURCE = "interview"
#: The link a test message carries: it opens no survey (a real one would use up a token).
TEST_TOKEN = "TEST-ONLY"  # noqa: S105 - a marker that opens no survey, not a secret


@dataclass(frozen=True, slots=True)
class StratumPlan:
    stratum: str
    customers: int
    #: Those not surveyed in the quiet period before the wave opens.
    eligible: int


def _stratum(segments: str | None, column: str | None) -> str | None:
    if segments:
        return SEGMENT_PREFIX + segments
    return column or None


def _quiet(session: Session, opens_on: date, quiet_days: int) -> set[int]:
    if quiet_days <= 0:
        return set()
    since = datetime.combine(opens_on - timedelta(days=quiet_days), time(0), UTC)
    return set(
        session.scalars(
            select(Invitation.customer_id).where(
                Invitation.customer_id.is_not(None), Invitation.created_at >= since
            )
        )
    )


def plan_strata(
    session: Session,
    *,
    segments: str | None = None,
    column: str | None = None,
    opens_on: date,
    quiet_days: int,
) -> list[StratumPlan]:
    """Active customers per stratum (a segment definition's segments, or a customer column
    such as region) and how many of them the quiet period leaves to invite."""
    strata = _strata(session, _stratum(segments, column))
    quiet = _quiet(session, opens_on, quiet_days)
    return [
        StratumPlan(k, len(v), sum(1 for c in v if c not in quiet))
        for k, v in sorted(strata.items())
    ]


@dataclass(frozen=True, slots=True)
class WavePlan:
    questionnaire: str
    name: str
    opens_on: date
    closes_on: date
    quiet_days: int = 90
    #: Stratify by this segment definition's current segments …
    segments: str | None = None
    #: … or by this customer column (region, channel); neither: one stratum, everyone.
    column: str | None = None
    #: Per stratum; strata left out are not sampled. None: everyone eligible.
    quotas: Mapping[str, int] | None = None
    seed: int | None = None


def create_sampled_wave(session: Session, *, plan: WavePlan, actor_id: int | None) -> SampleResult:
    """Create the wave and draw its sample in the caller's transaction (both or neither)."""
    if not plan.name.strip():
        raise InputError(_("Give the wave a name."))
    q = get_questionnaire(session, code=plan.questionnaire)
    wave = create_wave(
        session,
        questionnaire_id=q.id,
        name=plan.name.strip(),
        opens_on=plan.opens_on,
        closes_on=plan.closes_on,
        quiet_days=plan.quiet_days,
        actor_id=actor_id,
    )
    return sample_wave(
        session,
        wave_id=wave.id,
        stratum=_stratum(plan.segments, plan.column),
        quotas=dict(plan.quotas) if plan.quotas is not None else None,
        seed=plan.seed,
        actor_id=actor_id,
    )


def close_wave(
    session: Session, *, wave_id: int, actor_id: int | None, now: datetime | None = None
) -> int:
    """Close the wave now: its open invitations expire (their links stop working; answers
    given stay). Returns how many invitations were closed."""
    wave = get_wave(session, wave_id=wave_id)
    if wave.closed_at is not None:
        raise InputError(_("The wave {name} is closed already.", name=wave.name))
    moment = now or utcnow()
    wave.closed_at = moment
    if wave.closes_on > moment.date():
        wave.closes_on = moment.date()
    result = session.execute(
        update(Invitation)
        .where(
            Invitation.wave_id == wave_id,
            Invitation.status != InvitationStatus.COMPLETED,
            Invitation.expires_at > moment,
        )
        .values(expires_at=moment)
    )
    closed = int(getattr(result, "rowcount", 0) or 0)
    record(
        session,
        actor_id=actor_id,
        action="close",
        entity="wave",
        entity_id=wave_id,
        after={"closed_at": moment, "invitations_closed": closed},
    )
    return closed


def _title(session: Session, wave: Wave, lang: str) -> str:
    title = session.scalar(
        select(Questionnaire.title).where(Questionnaire.id == wave.questionnaire_id)
    )
    return pick_text(title, lang) or _("Survey")


def message_preview(
    session: Session,
    settings: Settings,
    *,
    wave_id: int,
    lang: str,
    reminder: bool,
    channel: str = "email",
) -> tuple[str, str]:
    """``(subject, text)`` of the wave's invitation (or reminder) as customers get it; the
    link shown is a sample (each customer gets their own)."""
    wave = get_wave(session, wave_id=wave_id)
    return invitation_text(
        title=_title(session, wave, lang),
        link=personal_link(settings.base_url, TEST_TOKEN),
        reminder=reminder,
        channel=channel,
    )


def send_test_message(
    session: Session,
    settings: Settings,
    *,
    wave_id: int,
    to: str,
    lang: str,
    reminder: bool = False,
    channel: str = "email",
    channels: ChannelSettings | None = None,
) -> Delivery:
    """Send the invitation to ``to`` (oneself) through the wave's channel, to see it as a
    customer will. Its link opens no survey."""
    if channel not in WAVE_CHANNELS:
        raise InputError(_("Use one of {channels}.", channels=", ".join(WAVE_CHANNELS)))
    to = to.strip()
    if not to:
        raise InputError(_("Give the address to send the test to."))
    if channel == "email" and not settings.smtp_host and channels is None:
        raise MailNotConfigured(
            _("E-mail is not configured: set CXM_SMTP_HOST (and CXM_SMTP_PORT) to send surveys.")
        )
    subject, text = message_preview(
        session, settings, wave_id=wave_id, lang=lang, reminder=reminder, channel=channel
    )
    sender = get_channel(channel, channels or channel_settings(settings))
    (delivery,) = sender.send(
        [
            Message(
                to=to,
                subject=_("[Test] {subject}", subject=subject),
                text=text,
                lang=lang,
                reference=f"test:wave:{wave_id}",
            )
        ]
    )
    log_deliveries(session, channel, [delivery], purpose="test")
    return delivery


def interview_invitation(session: Session, *, wave_id: int, customer_id: int) -> Invitation:
    """The customer's invitation to the wave, open for answers (else :class:`InputError`)."""
    inv = session.scalar(
        select(Invitation).where(
            Invitation.wave_id == wave_id, Invitation.customer_id == customer_id
        )
    )
    if inv is None:
        raise NotFound(_("This customer is not in the wave's sample."))
    if inv.status == InvitationStatus.COMPLETED:
        raise InputError(_("This customer has answered the wave already."))
    return inv


def _raw(definition: QuestionnaireDef, fields: Mapping[str, Sequence[str]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for q in definition.questions():
        values = [v for v in fields.get(q.code, []) if v != ""]
        if q.type == QuestionType.MULTIPLE:
            out[q.code] = values or None
        else:
            out[q.code] = values[0] if values else None
    return out


def record_interview(
    session: Session,
    *,
    wave_id: int,
    customer_id: int,
    fields: Mapping[str, Sequence[str]],
    interviewer_id: int,
    lang: str,
    definition: QuestionnaireDef,
) -> int:
    """Record the answers a staff member took by phone as the customer's completed response
    (``source = "interview"``, ``interviewer_id`` set; checked like the web form, all or
    nothing). Returns the response id."""
    inv = interview_invitation(session, wave_id=wave_id, customer_id=customer_id)
    item = CompletedResponse(
        invitation_id=inv.id,
        answers=_raw(definition, fields),
        completed_at=utcnow(),
        language=lang,
        minutes=0.0,
    )
    (rid,) = record_responses(
        session, items=[item], source=INTERVIEW_SOURCE, interviewer_id=interviewer_id
    )
    record(
        session,
        actor_id=interviewer_id,
        action="interview",
        entity="survey_response",
        entity_id=rid,
        after={"wave_id": wave_id, "customer_id": customer_id, "invitation_id": inv.id},
    )
    return int(rid)
