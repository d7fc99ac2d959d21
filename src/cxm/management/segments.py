"""Moved to :mod:`cxm.segments.membership`; this name stays so that existing imports work."""

from cxm.segments.membership import *  # noqa: F403
from cxm.segments.membership import __all__ as __all__
