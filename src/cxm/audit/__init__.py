"""The audit log: who changed what, when, from what to what (append-only)."""

from __future__ import annotations

from cxm.audit.models import AuditEntry, AuditLogIsAppendOnly
from cxm.audit.service import list_entries, record

__all__ = ["AuditEntry", "AuditLogIsAppendOnly", "list_entries", "record"]
