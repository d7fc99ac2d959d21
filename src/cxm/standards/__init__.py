"""Service standards: per journey stage, of kind product, procedure or people, each with an
owner, an opportunity unit and a rule; defects, DPMO and sigma per standard, stage, team,
segment and period; mystery-shopping visits whose checklist lines are people standards."""

from __future__ import annotations

__all__: list[str] = []
