"""Moved to :mod:`cxm.registry` (above the domains, so that the store does not import
them); this name stays so that existing imports work. Add new domains' models there."""

from __future__ import annotations

from cxm.registry import Base, metadata

__all__ = ["Base", "metadata"]
