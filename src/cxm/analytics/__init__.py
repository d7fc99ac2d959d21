"""Pure satisfaction analytics: DataFrames in, tidy DataFrames or frozen dataclasses out."""

from __future__ import annotations

from cxm.analytics.reliability import cronbach_alpha, fornell_larcker, htmt, scale_reliability, vif

__all__ = ["cronbach_alpha", "fornell_larcker", "htmt", "scale_reliability", "vif"]
