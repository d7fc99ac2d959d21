"""Tables of sign-in security: attempts (for the throttle and the audit), server-side
sessions, known devices and TOTP second factors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cxm.store.base import Base, utcnow

__all__ = ["KnownDevice", "LoginAttempt", "StaffSession", "StaffTotp"]


class LoginAttempt(Base):
    """One sign-in attempt, failed or not: the throttle counts these, shared by every
    worker, and they are the audit trail of sign-ins."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The name typed, lower-cased (whether or not such a user exists).
    account: Mapped[str] = mapped_column(String(200))
    client: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the known-device token the browser sent, when it sent a valid one.
    device: Mapped[str | None] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A page session, tracked on the server so that it can be ended at once."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the session's random id (the cookie holds the id, signed).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))


class KnownDevice(Base):
    """A browser that once signed in successfully: its failed attempts are counted apart
    from everyone else's, so an attacker elsewhere cannot lock it out."""

    __tablename__ = "staff_known_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffTotp(Base):
    """A TOTP second factor (RFC 6238) of one user; enabled once a first code matched."""

    __tablename__ = "staff_totp"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    #: The base32 secret, encrypted with CXM_DATA_KEY when it is set (``v1:`` prefix).
    secret: Mapped[str] = mapped_column(String(255))
    enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The last time step accepted: a code is good once only.
    last_step: Mapped[int] = mapped_column(Integer, default=0)
