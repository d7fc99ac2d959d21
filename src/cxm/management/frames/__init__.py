"""Moved to :mod:`cxm.frames.customers`; this name stays so that existing imports work."""

from cxm.frames.customers import *  # noqa: F403
from cxm.frames.customers import __all__ as __all__
