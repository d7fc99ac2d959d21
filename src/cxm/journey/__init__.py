"""The customer journey as versioned data: stages in order (loaded from YAML), touchpoint
types mapped to stages. ``cxm journey load FILE`` / ``cxm journey show``."""

from __future__ import annotations

from cxm.journey.models import Journey, JourneyStageRow, TouchpointType
from cxm.journey.service import (
    LoadResult,
    active_journey,
    check_stage,
    journey_dict,
    load_journey,
    stage_codes,
    stage_for_type,
)
from cxm.journey.spec import JourneySpec, parse_journey, shipped

__all__ = [
    "Journey",
    "JourneySpec",
    "JourneyStageRow",
    "LoadResult",
    "TouchpointType",
    "active_journey",
    "check_stage",
    "journey_dict",
    "load_journey",
    "parse_journey",
    "shipped",
    "stage_codes",
    "stage_for_type",
]
