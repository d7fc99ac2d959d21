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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cxm.cases.codes import CaseStatus, EventKind
from cxm.cases.models import Case, CaseFollowUp
from cxm.cases.service import _event
from cxm.cases.states import Action
from cxm.config import Settings
from cxm.customers.models import Customer
from cxm.i18n import _
from cxm.store import Store
from cxm.surveys.invitations import issue_links, personal_link
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
    no_email: int = 0
    failed: int = 0


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


def send_followups(
    store: Store, settings: Settings, *, worker: str, now: datetime | None = None
) -> SendCounts:
    """E-mail every follow-up not yet sent (claimed first, so racing workers split them)."""
    from cxm.surveys.mail import MailUnavailable

    at = now or datetime.now(UTC)
    if not settings.smtp_host:
        raise MailUnavailable(_("No SMTP server is set: set CXM_SMTP_HOST (and CXM_SMTP_PORT)."))
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
                CaseFollowUp.id, CaseFollowUp.invitation_id, CaseFollowUp.case_id, Customer.email
            )
            .join(Case, Case.id == CaseFollowUp.case_id)
            .join(Customer, Customer.id == Case.customer_id)
            .where(CaseFollowUp.id.in_(claimed))
        ).all()
        with_email = [r for r in rows if r.email]
        tokens = issue_links(s, invitation_ids=[r.invitation_id for r in with_email])
        no_mail = [r.id for r in rows if not r.email]
        if no_mail:  # nothing to send to: recorded as handled, counted
            s.execute(
                update(CaseFollowUp)
                .where(CaseFollowUp.id.in_(no_mail))
                .values(no_email=True, sent_at=at)
            )
    sent: list[int] = []
    failed = 0
    if with_email:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            for r in with_email:
                msg = _message(
                    settings,
                    to=str(r.email),
                    link=personal_link(settings.base_url, tokens[r.invitation_id]),
                    case_id=r.case_id,
                    now=at,
                )
                try:
                    smtp.send_message(msg)
                    sent.append(r.id)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                    failed += 1
    with store.session() as s:
        if sent:
            s.execute(update(CaseFollowUp).where(CaseFollowUp.id.in_(sent)).values(sent_at=at))
            for r in with_email:
                if r.id in sent:
                    _event(s, r.case_id, EventKind.FOLLOWUP_SENT, actor=None, at=at)
            s.execute(
                update(Invitation)
                .where(Invitation.id.in_([r.invitation_id for r in with_email if r.id in sent]))
                .values(sent_at=at, status=InvitationStatus.SENT)
            )
    return SendCounts(sent=len(sent), no_email=len(no_mail), failed=failed)


def collect_answers(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Link completed follow-up answers to their cases; reopen or close each case."""
    from cxm.cases.service import act

    at = now or datetime.now(UTC)
    pending = session.execute(
        select(CaseFollowUp, Response.id, Response.completed_at)
        .join(Response, Response.invitation_id == CaseFollowUp.invitation_id)
        .where(CaseFollowUp.answered_at.is_(None), Response.completed_at.is_not(None))
        .order_by(CaseFollowUp.id)
    ).all()
    counts = {"answered": 0, "reopened": 0, "closed": 0}
    for fu, response_id, completed_at in pending:
        answers = {
            a.question_code: a
            for a in session.scalars(select(Answer).where(Answer.response_id == response_id))
        }
        solved_a = answers.get("FU_SOLVED")
        solved = None
        if solved_a is not None:  # a single choice is stored as its code in ``text``
            code = solved_a.text or (solved_a.choices[0] if solved_a.choices else None)
            solved = None if code is None else code == "yes"
        csat = answers.get("FU_CSAT")
        rec = answers.get("FU_REC")
        fu.answered_at = completed_at
        fu.solved = solved
        fu.handling_csat = int(csat.number) if csat and csat.number is not None else None
        fu.recommend = int(rec.number) if rec and rec.number is not None else None
        counts["answered"] += 1
        case = session.get(Case, fu.case_id)
        assert case is not None
        _event(
            session,
            case.id,
            EventKind.FOLLOWUP_ANSWERED,
            actor=None,
            at=at,
            data={
                "solved": solved,
                "handling_csat": fu.handling_csat,
                "recommend": fu.recommend,
                "response_id": response_id,
                "round": fu.round,
            },
        )
        low = solved is False or (
            fu.handling_csat is not None and fu.handling_csat <= LOW_HANDLING_CSAT
        )
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
