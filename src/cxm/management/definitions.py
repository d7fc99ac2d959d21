"""Moved to :mod:`cxm.segments.definitions`; this name stays so that existing imports work."""

from cxm.segments.definitions import *  # noqa: F403
from cxm.segments.definitions import __all__ as __all__
