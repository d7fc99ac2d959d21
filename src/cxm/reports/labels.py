"""Translated names of the columns and KPIs that report tables show."""

from __future__ import annotations

import re

from cxm.i18n import _

__all__ = ["column_label", "construct_label", "kpi_label", "with_construct_labels"]


def column_label(name: str) -> str:
    labels = {
        "segment": _("segment"),
        "customers": _("customers"),
        "share_customers": _("share of customers"),
        "profit": _("profit"),
        "share_profit": _("share of profit"),
        "margin_per_customer_year": _("margin per customer-year"),
        "churn_rate": _("churn rate"),
        "new_churn_rate": _("new churn rate"),
        "clv": _("lifetime value"),
        "baseline_profit": _("profit now"),
        "net_change": _("net change"),
        "change_pct": _("change %"),
        "lifetime_change_pct": _("lifetime change %"),
        "claim": _("“5 % less churn, 25–85 % more profit”"),
        "driver": _("improvement"),
        "expected_profit": _("expected profit"),
        "budget_share": _("budget share"),
        "label": _("improvement"),
        "gain_points": _("gain (points, 1–5)"),
        "customers_kept": _("customers kept"),
        "value_kept": _("lifetime value kept"),
        "cost": _("cost"),
        "net_value": _("value kept − cost"),
        "construct": _("construct"),
        "mode": _("mode"),
        "alpha": "α",
        "rho_a": "ρA",
        "rho_c": "ρc",
        "ave": "AVE",
    }
    return labels.get(name, name.replace("_", " "))


def kpi_label(kpi: str) -> str:
    labels = {
        "csat": _("CSAT"),
        "score100": _("100-point score"),
        "index": _("satisfaction index"),
        "nps": "NPS",
        "churn_rate": _("churn rate"),
        "response_hours": _("complaint response time (hours)"),
    }
    return labels.get(kpi, kpi)


def construct_label(name: str) -> str:
    """A construct of the shipped index models (ACSI, ECSI, CCSI) in the report's language;
    other names (a model of one's own) as they are. The Chinese names are those of the
    CCSI (GB/T 19038)."""
    labels = {
        "image": _("Image"),
        "expectation": _("Expectation"),
        "quality": _("Perceived quality"),
        "value": _("Perceived value"),
        "satisfaction": _("Satisfaction"),
        "complaints": _("Complaints"),
        "loyalty": _("Loyalty"),
    }
    return labels.get(name.lower(), name)


_CONSTRUCT_WORD = re.compile(
    r"(?<![A-Za-z])(Image|Expectation|Quality|Value|Satisfaction|Complaints|Loyalty)(?![A-Za-z])"
)


def with_construct_labels(text: str) -> str:
    """``text`` (a message of the analytics, which name constructs as the model does) with
    each shipped construct's name in the report's language."""
    return _CONSTRUCT_WORD.sub(lambda m: construct_label(m.group(1)), text)
