"""Tables of staff accounts: users and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.store.base import Base, TimestampMixin, code_enum

__all__ = ["ROLE_RANK", "ApiToken", "Role", "StaffUser"]


class Role(StrEnum):
    """What a staff member may do: admin > analyst > agent."""

    ADMIN = "admin"
    ANALYST = "analyst"
    AGENT = "agent"


#: A role may do what every role of lower rank may do.
ROLE_RANK: dict[Role, int] = {Role.AGENT: 1, Role.ANALYST: 2, Role.ADMIN: 3}


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(code_enum(Role, "staff_role", length=16))
    #: argon2id hash in PHC string form ($argon2id$v=19$m=…); never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def may(self, role: Role | str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return ROLE_RANK[self.role] >= ROLE_RANK[Role(role)]


class ApiToken(TimestampMixin, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the token (the token is 256 random bits, so a fast hash is safe here).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, to tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[StaffUser] = relationship(back_populates="tokens")
