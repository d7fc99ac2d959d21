"""The privacy log: one row per export, erasure or retention run (counts, never values)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from cxm.privacy.models import PrivacyLogEntry

__all__ = ["log_action"]

log = logging.getLogger("cxm.privacy")


def log_action(
    session: Session,
    *,
    action: str,
    customer_id: int | None,
    done_by: str,
    report: dict[str, Any],
) -> PrivacyLogEntry:
    entry = PrivacyLogEntry(
        action=action, customer_id=customer_id, done_by=done_by[:200], report=report
    )
    session.add(entry)
    session.flush()
    log.info("privacy %s customer_id=%s by=%s", action, customer_id, done_by)
    return entry
