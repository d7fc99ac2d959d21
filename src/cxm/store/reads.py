"""Moved to :mod:`cxm.frames.cache`; this name stays so that existing imports work.

(The one import from ``store`` up into ``frames``; the import-linter contract ignores it.)
"""

from cxm.frames.cache import raw_rows, read_once, shared_reads, sharing_reads

__all__ = ["raw_rows", "read_once", "shared_reads", "sharing_reads"]
