"""Tables of personal-data handling: encrypted identity numbers and the privacy log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, json_type, utcnow

__all__ = ["IdentityNumber", "PrivacyLogEntry"]


class IdentityNumber(Base):
    """An ID-card or bank-card number of a customer: AES-GCM ciphertext, and an HMAC of
    the normalised number to find a customer by it without decrypting anything."""

    __tablename__ = "customer_identity_numbers"
    __table_args__ = (UniqueConstraint("customer_id", "kind", name="uq_identity_customer_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ciphertext: Mapped[str] = mapped_column(Text)
    lookup_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: The last four characters, shown to staff instead of the number.
    last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PrivacyLogEntry(Base):
    """What was done with personal data at whose request: exports, erasures, retention
    runs. Names the customer by internal id only; ``report`` holds counts, never values."""

    __tablename__ = "privacy_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    done_by: Mapped[str] = mapped_column(String(200))
    report: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
