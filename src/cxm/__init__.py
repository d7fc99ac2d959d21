"""CXM — customer satisfaction and loyalty management.

The analytics library is usable on its own: ``from cxm.analytics import ...``.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
