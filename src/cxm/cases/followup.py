"""The follow-up survey that closes the loop.

Resolving a case makes a single-use invitation to the short ``case_followup`` questionnaire
(was it solved, how satisfied with the handling, would you recommend). A worker sends it;
when the answer arrives it is linked to the case, and "not solved" or a handling score of
1–2 reopens the case, while a good answer closes it.

Sending is claimed with a lease (``claimed_until``) so two workers never send the same
follow-up at once; a worker that dies after sending but before recording it leaves the
follow-up to be sent again after the lease, with the same ``Message-ID``, so mail clients
show it once.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cxm.cases.codes import CaseStatus, EventKind
from cxm.cases.models import Case, CaseFollowUp
from cxm.cases.service import _event
from cxm.cases.states import Action
from cxm.channels.settings import ChannelSettings
from cxm.config import Settings
from cxm.customers.models import Customer
from cxm.i18n import _, current_language, language
from cxm.store import Store
from cxm.surveys.invitations import issue_links, personal_link
from cxm.surveys.languages import preferred_languages
from cxm.surveys.models import (
    Answer,
    Invitation,
    InvitationKind,
    InvitationStatus,
    Questionnaire,
    Response,
)

__all__ = [
    "FOLLOWUP_TEMPLATE",
    "LOW_HANDLING_CSAT",
    "SendCounts",
    "answers_from_outbox",
    "collect_answers",
    "create_followup",
    "send_followups",
]

FOLLOWUP_TEMPLATE = "case_followup"
#: A handling score at or below this (on 1–5) reopens the case, as does "not solved".
LOW_HANDLING_CSAT = 2
VALID_DAYS = 14
LEASE = timedelta(minutes=5)


def followup_questionnaire_id(session: Session) -> int:
    from cxm.surveys.questionnaires import install_template

    qid = session.scalar(select(Questionnaire.id).where(Questionnaire.code == FOLLOWUP_TEMPLATE))
    if qid is None:
        qid = install_template(session, name=FOLLOWUP_TEMPLATE).questionnaire_id
    return int(qid)


def create_followup(session: Session, *, case: Case, now: datetime) -> CaseFollowUp:
    """The follow-up invitation of this resolution (one per case and round)."""
    round_no = case.reopened + 1
    existing = session.scalar(
        select(CaseFollowUp).where(CaseFollowUp.case_id == case.id, CaseFollowUp.round == round_no)
    )
    if existing is not None:
        return existing
    inv = Invitation(
        kind=InvitationKind.FOLLOWUP,
        questionnaire_id=followup_questionnaire_id(session),
        customer_id=case.customer_id,
        team_id=case.team_id,
        stratum=str(case.type),
        expires_at=now + timedelta(days=VALID_DAYS),
    )
    session.add(inv)
    session.flush()
    fu = CaseFollowUp(case_id=case.id, round=round_no, invitation_id=inv.id)
    session.add(fu)
    session.flush()
    return fu


@dataclass(frozen=True)
class SendCounts:
    sent: int = 0
    #: Follow-ups to customers with no address on any channel that is set up.
    no_email: int = 0
    failed: int = 0
    #: Of ``sent``, those sent by SMS.
    by_sms: int = 0
    #: Customers with an address who have refused survey contact on every such channel.
    no_consent: int = 0


def _message(
    settings: Settings, *, to: str, link: str, case_id: int, now: datetime
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = _("How did we handle your problem? (case {id})", id=case_id)
    msg["Date"] = format_datetime(now)
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<case-{case_id}-followup@{domain}>"
    msg.set_content(
        _(
            "Hello,\n\nyou recently told us about a problem (case {id}). Was it solved, and "
            "how did we handle it? Three questions, one minute:\n{link}\n\n"
            "The link is personal; please do not forward it.\n\nThank you!",
            id=case_id,
            link=link,
        )
    )
    return msg


#: Case channels that say the customer reached us by SMS (then the follow-up goes by SMS).
SMS_CHANNELS = frozenset({"sms", "短信", "text"})


def _routes(
    session: Session, rows: list[Any], *, email_on: bool, sms_on: bool
) -> tuple[dict[int, str], int]:
    """Follow-up id → ``email`` or ``sms``: the customer's preferred channel first (SMS
    when they reached us by SMS, else e-mail), then the other; a channel counts only when
    it is set up, the customer has the address and has not refused survey contact by it
    (:mod:`cxm.consent`). Also how many had an address but no consent on any channel."""
    from cxm.consent.service import split_by_consent

    customers = [r.customer_id for r in rows]
    allowed = {
        ch: set(split_by_consent(session, customers, channel=ch, purpose="survey").allowed)
        for ch in ("email", "sms")
    }
    routes: dict[int, str] = {}
    refused = 0
    for r in rows:
        order = ("sms", "email") if (r.channel or "").lower() in SMS_CHANNELS else ("email", "sms")
        usable = {"email": email_on and bool(r.email), "sms": sms_on and bool(r.phone)}
        pick = next((ch for ch in order if usable[ch] and r.customer_id in allowed[ch]), None)
        if pick is not None:
            routes[r.id] = pick
        elif any(usable.values()):
            refused += 1
    return routes, refused


def _sms_text(*, link: str, case_id: int) -> str:
    return _(
        "Case {id}: was your problem solved, and how did we handle it? One minute: {link}",
        id=case_id,
        link=link,
    )


def send_followups(
    store: Store,
    settings: Settings,
    *,
    worker: str,
    now: datetime | None = None,
    channels: ChannelSettings | None = None,
) -> SendCounts:
    """Send every follow-up not yet sent, by e-mail or by SMS through the shared channels
    (the customer's preferred channel with their consent; see :func:`_routes`). Each is
    claimed first under a lease, so racing workers split them and none goes twice."""
    from cxm.channels import get_channel, log_deliveries
    from cxm.channels.base import Message
    from cxm.surveys.mail import MailUnavailable, channel_settings

    at = now or datetime.now(UTC)
    chs = channels or channel_settings(settings)
    email_on, sms_on = bool(settings.smtp_host), bool(chs.sms_url)
    if not (email_on or sms_on):
        raise MailUnavailable(
            _(
                "No SMTP server and no SMS gateway are set: set CXM_SMTP_HOST (and "
                "CXM_SMTP_PORT) or CXM_SMS_URL."
            )
        )
    with store.session() as s:
        ids = list(
            s.scalars(
                select(CaseFollowUp.id).where(
                    CaseFollowUp.sent_at.is_(None),
                    or_(CaseFollowUp.claimed_until.is_(None), CaseFollowUp.claimed_until < at),
                )
            )
        )
        claimed: list[int] = []
        for fid in ids:
            hit = s.execute(
                update(CaseFollowUp)
                .where(
                    CaseFollowUp.id == fid,
                    CaseFollowUp.sent_at.is_(None),
                    or_(CaseFollowUp.claimed_until.is_(None), CaseFollowUp.claimed_until < at),
                )
                .values(claimed_until=at + LEASE, claimed_by=worker)
            )
            if hit.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(fid)
        rows = s.execute(
            select(
                CaseFollowUp.id,
                CaseFollowUp.invitation_id,
                CaseFollowUp.case_id,
                Case.customer_id,
                Case.channel,
                Customer.email,
                Customer.phone,
            )
            .join(Case, Case.id == CaseFollowUp.case_id)
            .join(Customer, Customer.id == Case.customer_id)
            .where(CaseFollowUp.id.in_(claimed))
        ).all()
        routes, no_consent = _routes(s, list(rows), email_on=email_on, sms_on=sms_on)
        routed = [r for r in rows if r.id in routes]
        # Each customer in their own language where known, else the sender's.
        langs = preferred_languages(s, [r.customer_id for r in routed])
        tokens = issue_links(s, invitation_ids=[r.invitation_id for r in routed])
        no_contact = [r.id for r in rows if r.id not in routes]
        if no_contact:  # nothing we may send to: recorded as handled, counted
            s.execute(
                update(CaseFollowUp)
                .where(CaseFollowUp.id.in_(no_contact))
                .values(no_email=True, sent_at=at)
            )
    sent: dict[int, str] = {}
    failed = 0
    by_mail = [r for r in routed if routes[r.id] == "email"]
    if by_mail:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            for r in by_mail:
                with language(langs.get(r.customer_id, current_language())):
                    msg = _message(
                        settings,
                        to=str(r.email),
                        link=personal_link(settings.base_url, tokens[r.invitation_id]),
                        case_id=r.case_id,
                        now=at,
                    )
                try:
                    smtp.send_message(msg)
                    sent[r.id] = "email"
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                    failed += 1
    by_sms = [r for r in routed if routes[r.id] == "sms"]
    deliveries = []
    if by_sms:
        messages = []
        for r in by_sms:
            with language(langs.get(r.customer_id, current_language())):
                text = _sms_text(
                    link=personal_link(settings.base_url, tokens[r.invitation_id]),
                    case_id=r.case_id,
                )
            messages.append(
                Message(
                    to=str(r.phone),
                    text=text,
                    customer_id=r.customer_id,
                    reference=f"case-{r.case_id}-followup-{r.id}",
                )
            )
        deliveries = get_channel("sms", chs).send(messages)
        for r, d in zip(by_sms, deliveries, strict=True):
            if d.sent:
                sent[r.id] = "sms"
            else:
                failed += 1
    with store.session() as s:
        if deliveries:
            log_deliveries(s, "sms", deliveries, purpose="survey")
        if sent:
            s.execute(
                update(CaseFollowUp).where(CaseFollowUp.id.in_(list(sent))).values(sent_at=at)
            )
            for r in routed:
                if r.id in sent:
                    _event(
                        s,
                        r.case_id,
                        EventKind.FOLLOWUP_SENT,
                        actor=None,
                        at=at,
                        data={"channel": sent[r.id]},
                    )
            s.execute(
                update(Invitation)
                .where(Invitation.id.in_([r.invitation_id for r in routed if r.id in sent]))
                .values(sent_at=at, status=InvitationStatus.SENT)
            )
    return SendCounts(
        sent=len(sent),
        no_email=len(no_contact) - no_consent,
        failed=failed,
        by_sms=sum(1 for v in sent.values() if v == "sms"),
        no_consent=no_consent,
    )


def collect_answers(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """The sweep's safety net: link every completed follow-up answer not linked yet to its
    case and reopen or close the case (answers saved through the web are handled within
    seconds by their outbox job, :func:`answers_from_outbox`)."""
    from cxm.jobs.claim import begin_write

    begin_write(session)  # SQLite: read the pending answers under the write lock
    return _link_answers(session, _pending(session), at=now or datetime.now(UTC))


def answers_from_outbox(
    session: Session, response_ids: Sequence[int], *, now: datetime | None = None
) -> dict[str, int]:
    """Follow-up answers among ``response_ids`` (a batch of ``responses.completed`` jobs):
    each linked to its case, which a low answer reopens and a good one closes — once, even
    with workers and the sweep racing (see :func:`_link_answers`)."""
    from cxm.store.bulk import ids_in

    if not response_ids:
        return {"answered": 0, "reopened": 0, "closed": 0}
    dialect = session.get_bind().dialect.name
    pending = _pending(session, ids_in(dialect, Response.id, list(response_ids)))
    return _link_answers(session, pending, at=now or datetime.now(UTC))


def _pending(session: Session, *conditions: Any) -> list[Any]:
    return list(
        session.execute(
            select(
                CaseFollowUp.id,
                CaseFollowUp.case_id,
                CaseFollowUp.round,
                Response.id,
                Response.completed_at,
            )
            .join(Response, Response.invitation_id == CaseFollowUp.invitation_id)
            .where(
                CaseFollowUp.answered_at.is_(None),
                Response.completed_at.is_not(None),
                *conditions,
            )
            .order_by(CaseFollowUp.id)
        ).all()
    )


def _verdict(answers: dict[str, Answer]) -> tuple[bool | None, int | None, int | None]:
    """(solved, handling CSAT, would recommend) from a follow-up answer."""
    solved_a = answers.get("FU_SOLVED")
    solved = None
    if solved_a is not None:  # a single choice is stored as its code in ``text``
        code = solved_a.text or (solved_a.choices[0] if solved_a.choices else None)
        solved = None if code is None else code == "yes"
    csat = answers.get("FU_CSAT")
    rec = answers.get("FU_REC")
    return (
        solved,
        int(csat.number) if csat and csat.number is not None else None,
        int(rec.number) if rec and rec.number is not None else None,
    )


def _link_answers(session: Session, pending: Sequence[Any], *, at: datetime) -> dict[str, int]:
    """Record each pending answer on its follow-up and reopen or close its case. The
    follow-up is claimed by ``UPDATE … WHERE answered_at IS NULL``: of two workers (or a
    worker and the sweep) on one answer, only the one whose update matched goes on — on
    PostgreSQL the other waits for the row and then finds it answered; on SQLite writers
    take turns."""
    from cxm.cases.service import act

    counts = {"answered": 0, "reopened": 0, "closed": 0}
    if not pending:
        return counts
    by_response: dict[int, dict[str, Answer]] = {}
    for a in session.scalars(select(Answer).where(Answer.response_id.in_([p[3] for p in pending]))):
        by_response.setdefault(a.response_id, {})[a.question_code] = a
    for fu_id, case_id, fu_round, response_id, completed_at in pending:
        solved, handling_csat, recommend = _verdict(by_response.get(response_id, {}))
        claimed = session.execute(
            update(CaseFollowUp)
            .where(CaseFollowUp.id == fu_id, CaseFollowUp.answered_at.is_(None))
            .values(
                answered_at=completed_at,
                solved=solved,
                handling_csat=handling_csat,
                recommend=recommend,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # linked meanwhile by another worker or the sweep
        counts["answered"] += 1
        case = session.get_one(Case, case_id, populate_existing=True)
        _event(
            session,
            case.id,
            EventKind.FOLLOWUP_ANSWERED,
            actor=None,
            at=at,
            data={
                "solved": solved,
                "handling_csat": handling_csat,
                "recommend": recommend,
                "response_id": response_id,
                "round": fu_round,
            },
        )
        low = solved is False or (handling_csat is not None and handling_csat <= LOW_HANDLING_CSAT)
        status = CaseStatus(case.status)
        if low and status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            act(
                session,
                case_id=case.id,
                action=Action.REOPEN,
                version=case.version,
                actor_user_id=None,
                now=at,
                note=_(
                    "Reopened: the follow-up says the problem is not solved or was badly handled."
                ),
            )
            counts["reopened"] += 1
        elif not low and status == CaseStatus.RESOLVED:
            act(
                session,
                case_id=case.id,
                action=Action.CLOSE,
                version=case.version,
                actor_user_id=None,
                now=at,
                note=_("Closed: the follow-up was good."),
            )
            counts["closed"] += 1
    session.flush()
    return counts
