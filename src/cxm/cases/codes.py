"""Fixed code lists of cases, with their labels (translated at display).

The seven service faults and the four emotional states are the documents' own (DOMAIN.md §2).
"""

from __future__ import annotations

from enum import StrEnum

from cxm.i18n import _

__all__ = [
    "CaseSource",
    "CaseStatus",
    "CaseType",
    "Emotion",
    "EventKind",
    "Priority",
    "RecoveryKind",
    "ServiceFault",
    "SuggestionOutcome",
    "label",
]


class CaseType(StrEnum):
    COMPLAINT = "complaint"
    DETRACTOR_FOLLOWUP = "detractor_followup"
    ENQUIRY = "enquiry"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


class CaseStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Emotion(StrEnum):
    HAPPY = "happy"
    DISAPPOINTED = "disappointed"
    ANGRY = "angry"
    AFRAID = "afraid"


class ServiceFault(StrEnum):
    """The seven service faults a complaint process must stop."""

    INDIFFERENCE = "indifference"
    PASSING_THE_BUCK = "passing_the_buck"
    COLDNESS = "coldness"
    CONDESCENSION = "condescension"
    ROBOTIC = "robotic"
    HIDING_BEHIND_RULES = "hiding_behind_rules"
    DEPARTMENT_TO_DEPARTMENT = "department_to_department"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseSource(StrEnum):
    MANUAL = "manual"
    RULE = "rule"
    FORM = "form"
    IMPORT = "import"


class EventKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    NOTE = "note"
    CONTACT = "contact"
    HANDOVER = "handover"
    RECOVERY = "recovery"
    EXCEPTION = "exception"
    FOLLOWUP_SENT = "followup_sent"
    FOLLOWUP_ANSWERED = "followup_answered"
    WARNING = "warning"
    BREACH = "breach"
    ESCALATED = "escalated"


class RecoveryKind(StrEnum):
    """Apologise, correct at once, compensate, do more (DOMAIN.md §2)."""

    APOLOGY = "apology"
    CORRECTION = "correction"
    COMPENSATION = "compensation"
    DO_MORE = "do_more"


class SuggestionOutcome(StrEnum):
    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"


def label(code: StrEnum | str) -> str:
    """The translated label of any case code."""
    labels = {
        "complaint": _("complaint"),
        "detractor_followup": _("detractor follow-up"),
        "enquiry": _("enquiry"),
        "suggestion": _("suggestion"),
        "praise": _("praise"),
        "new": _("new"),
        "acknowledged": _("acknowledged"),
        "in_progress": _("in progress"),
        "waiting_on_customer": _("waiting on customer"),
        "resolved": _("resolved"),
        "closed": _("closed"),
        "happy": _("happy"),
        "disappointed": _("disappointed"),
        "angry": _("angry"),
        "afraid": _("afraid"),
        "indifference": _("indifference"),
        "passing_the_buck": _("passing the buck"),
        "coldness": _("coldness"),
        "condescension": _("condescension"),
        "robotic": _("robotic service"),
        "hiding_behind_rules": _("hiding behind company rules"),
        "department_to_department": _("sent from department to department"),
        "low": _("low"),
        "normal": _("normal"),
        "high": _("high"),
        "urgent": _("urgent"),
        "apology": _("apology"),
        "correction": _("correction"),
        "compensation": _("compensation"),
        "do_more": _("do more"),
        "created": _("opened"),
        "status": _("status changed"),
        "note": _("note"),
        "contact": _("contact with the customer"),
        "handover": _("handed over"),
        "recovery": _("recovery"),
        "exception": _("exception to a rule"),
        "followup_sent": _("follow-up sent"),
        "followup_answered": _("follow-up answered"),
        "warning": _("deadline warning"),
        "breach": _("deadline missed"),
        "escalated": _("escalated"),
        "adopted": _("adopted"),
        "not_adopted": _("not adopted"),
        "positive": _("positive"),
        "neutral": _("neutral"),
        "negative": _("negative"),
        "uncertain": _("uncertain"),
    }
    return labels.get(str(code), str(code))
