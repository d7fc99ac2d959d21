"""Moved to :mod:`cxm.frames.responses`; this name stays so that existing imports work."""

from cxm.frames.responses import *  # noqa: F403
from cxm.frames.responses import __all__ as __all__
