"""Fixed code lists of the customer file, with their labels (translated at display)."""

from __future__ import annotations

from enum import StrEnum

from cxm.i18n import _

__all__ = [
    "CHURN_REASON_BENCHMARK",
    "ChurnReason",
    "CustomerStatus",
    "JourneyStage",
    "churn_reason_label",
    "stage_label",
]


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    CHURNED = "churned"


class ChurnReason(StrEnum):
    """Why customers stop buying (DOMAIN.md §2)."""

    DIED = "died"
    MOVED_AWAY = "moved_away"
    OTHER_RELATIONSHIP = "other_relationship"
    WON_BY_COMPETITOR = "won_by_competitor"
    PRODUCT_DISSATISFACTION = "product_dissatisfaction"
    STAFF_INDIFFERENCE = "staff_indifference"
    OTHER = "other"


#: The documents' split of why customers stop buying: 1/3/5/9/14/68 %.
CHURN_REASON_BENCHMARK: dict[ChurnReason, float] = {
    ChurnReason.DIED: 0.01,
    ChurnReason.MOVED_AWAY: 0.03,
    ChurnReason.OTHER_RELATIONSHIP: 0.05,
    ChurnReason.WON_BY_COMPETITOR: 0.09,
    ChurnReason.PRODUCT_DISSATISFACTION: 0.14,
    ChurnReason.STAFF_INDIFFERENCE: 0.68,
}


class JourneyStage(StrEnum):
    """The stage codes of CXM's default journey (``cxm/journey/journeys/default.yaml``).
    The active journey (``cxm journey``) may name others; the store keeps the code."""

    AWARENESS = "awareness"
    PRE_SALE = "pre_sale"
    SALE = "sale"
    DELIVERY = "delivery"
    USE = "use"
    AFTER_SALE = "after_sale"
    COMPLAINT = "complaint"
    DISPOSAL_RETURN = "disposal_return"
    REPURCHASE = "repurchase"


def churn_reason_label(reason: ChurnReason | str) -> str:
    labels = {
        ChurnReason.DIED: _("died"),
        ChurnReason.MOVED_AWAY: _("moved away"),
        ChurnReason.OTHER_RELATIONSHIP: _("formed other relationships"),
        ChurnReason.WON_BY_COMPETITOR: _("won by a competitor"),
        ChurnReason.PRODUCT_DISSATISFACTION: _("dissatisfied with the product"),
        ChurnReason.STAFF_INDIFFERENCE: _("staff indifference"),
        ChurnReason.OTHER: _("other"),
    }
    return labels[ChurnReason(reason)]


def stage_label(stage: JourneyStage | str) -> str:
    """The label of a default stage; a code of another journey is shown as it is."""
    labels = {
        JourneyStage.AWARENESS: _("awareness"),
        JourneyStage.PRE_SALE: _("pre-sale"),
        JourneyStage.SALE: _("sale"),
        JourneyStage.DELIVERY: _("delivery"),
        JourneyStage.USE: _("use"),
        JourneyStage.AFTER_SALE: _("after-sale"),
        JourneyStage.COMPLAINT: _("complaint"),
        JourneyStage.DISPOSAL_RETURN: _("disposal or return"),
        JourneyStage.REPURCHASE: _("repurchase"),
    }
    try:
        return labels[JourneyStage(stage)]
    except ValueError:
        return str(stage)
