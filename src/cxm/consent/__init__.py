"""Consent and contact preferences per channel and purpose; every send asks
:func:`split_by_consent` first and counts those it skips."""

from __future__ import annotations

from cxm.consent.models import ConsentChannel, ConsentRecord, Purpose
from cxm.consent.service import ConsentSplit, record_consent, split_by_consent

__all__ = [
    "ConsentChannel",
    "ConsentRecord",
    "ConsentSplit",
    "Purpose",
    "record_consent",
    "split_by_consent",
]
