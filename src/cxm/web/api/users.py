"""``/api/v1/users`` and ``/api/v1/me``: staff accounts (admin only) and one's own tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts import Role, StaffUser, create_token, create_user, list_users, revoke_token
from cxm.accounts.models import ApiToken
from cxm.errors import NotFound
from cxm.i18n import _
from cxm.web.api.schemas import (
    TokenOut,
    UserOut,
)
from cxm.web.deps import AdminUser, CurrentStaff, DbSession

__all__ = ["router"]

router = APIRouter(tags=["users"])


def _user(u: StaffUser) -> dict[str, Any]:
    return {"id": u.id, "name": u.name, "role": u.role.value, "active": u.active}


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=100)
    role: Role
    password: str = Field(min_length=1, max_length=1024)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=100)


@router.get("/me", response_model=UserOut)
def me(user: CurrentStaff) -> dict[str, Any]:
    return _user(user)


@router.get("/users", response_model=list[UserOut])
def users(db: DbSession, admin: AdminUser) -> list[dict[str, Any]]:
    return [_user(u) for u in list_users(db)]


@router.post("/users", status_code=201, response_model=UserOut)
def add_user(body: UserIn, db: DbSession, admin: AdminUser) -> dict[str, Any]:
    return _user(create_user(db, name=body.name, role=body.role, password=body.password))


@router.post("/me/tokens", status_code=201, response_model=TokenOut)
def new_token(body: TokenIn, db: DbSession, user: CurrentStaff) -> dict[str, Any]:
    """A new API token for oneself; the secret is shown only in this answer."""
    issued = create_token(db, name=user.name, label=body.label)
    return {"id": issued.id, "token": issued.secret, "prefix": issued.prefix}


@router.delete("/me/tokens/{token_id}", status_code=204)
def drop_token(token_id: int, db: DbSession, user: CurrentStaff) -> None:
    """Revoke one of one's own tokens (an admin may revoke anyone's)."""
    token = db.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and not user.may(Role.ADMIN)):
        raise NotFound(_("No API token with id {id}.", id=token_id))
    revoke_token(db, token_id=token_id)
