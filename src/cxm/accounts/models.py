"""Tables of staff accounts: users and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cxm.accounts.permissions import Capability, Role, Scope, ceiling
from cxm.store.base import Base, TimestampMixin, code_enum

__all__ = ["ApiToken", "Role", "Scope", "StaffUser"]


class StaffUser(TimestampMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: Where invitations and password links are e-mailed (None: an admin hands them over).
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(code_enum(Role, "staff_role", length=16))
    #: How far the user's rights reach (narrowed further per capability by the role).
    scope: Mapped[Scope] = mapped_column(
        code_enum(Scope, "staff_scope", length=16), default=Scope.ALL, server_default="all"
    )
    #: The user's team (scope ``team``) or org unit (scope ``unit``).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: argon2id hash in PHC string form ($argon2id$v=19$m=…); never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def can(self, capability: Capability | str) -> bool:
        """True when this user's role has ``capability`` (at some scope)."""
        return ceiling(self.role, capability) is not None


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
