"""Responses in and out for staff: response rates, exports (CSV, XLSX, SPSS .sav) and
imports of responses collected elsewhere (LimeSurvey, Qualtrics, SPSS)."""

from __future__ import annotations

from cxm.responses_io.rates import RateRow, WaveRates, WaveSummary, wave_rates, waves_overview

__all__ = ["RateRow", "WaveRates", "WaveSummary", "wave_rates", "waves_overview"]
