"""Segments: saved ways of splitting the customer file (Pareto tiers, RFM, rules) and the
memberships kept over time (DOMAIN.md §1).

Below the surveys, cases, service levels, standards and text, which sample, route or report
by segment; differentiated management (:mod:`cxm.management`: targets, economics, churn)
builds on it. :mod:`cxm.management.definitions`, ``.segments`` and ``.models`` re-export
these names for code written before the move.
"""

from __future__ import annotations

__all__: list[str] = []
