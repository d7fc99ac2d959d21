"""Differentiated management: segments kept over time, per-segment targets, churn and
retention economics, where to invest (DOMAIN.md §1, §2)."""

from __future__ import annotations

__all__: list[str] = []
