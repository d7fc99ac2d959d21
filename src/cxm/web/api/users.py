"""``/api/v1/users`` and ``/api/v1/me``: staff accounts (manage_users) and one's own tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cxm.accounts import (
    Role,
    StaffUser,
    create_token,
    create_user,
    list_users,
    revoke_token,
    update_user,
)
from cxm.accounts.models import ApiToken
from cxm.accounts.permissions import Capability, Scope
from cxm.errors import NotFound
from cxm.i18n import _
from cxm.web.api.schemas import (
    TokenOut,
    UserOut,
)
from cxm.web.deps import DbSession
from cxm.web.permissions import Grant, Require

__all__ = ["router"]

router = APIRouter(tags=["users"])

Own = Annotated[Grant, Require(Capability.USE_ACCOUNT, shared=True)]
Admin = Annotated[Grant, Require(Capability.MANAGE_USERS)]


def _user(u: StaffUser) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "role": u.role.value,
        "scope": u.scope.value,
        "team_id": u.team_id,
        "unit_id": u.unit_id,
        "active": u.active,
    }


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=100)
    role: Role
    password: str = Field(min_length=1, max_length=1024)
    scope: Scope | None = None
    team: str | None = Field(default=None, max_length=200, description="Team name.")
    unit: str | None = Field(default=None, max_length=100, description="Org unit code.")
    email: str | None = Field(
        default=None, max_length=320, description="Where their set-password links are sent."
    )


class UserPatch(BaseModel):
    """What to change (what is left out stays as it is)."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    scope: Scope | None = None
    team: str | None = Field(default=None, max_length=200, description="Team name.")
    unit: str | None = Field(default=None, max_length=100, description="Org unit code.")
    email: str | None = Field(
        default=None, max_length=320, description='E-mail address; "" removes it.'
    )
    active: bool | None = Field(default=None, description="False deactivates the account.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=100)


@router.get("/me", response_model=UserOut)
def me(grant: Own) -> dict[str, Any]:
    return _user(grant.user)


@router.get("/users", response_model=list[UserOut])
def users(db: DbSession, grant: Admin) -> list[dict[str, Any]]:
    return [_user(u) for u in list_users(db)]


@router.post("/users", status_code=201, response_model=UserOut)
def add_user(body: UserIn, db: DbSession, grant: Admin) -> dict[str, Any]:
    user = create_user(
        db,
        name=body.name,
        role=body.role,
        password=body.password,
        scope=body.scope,
        team=body.team,
        unit=body.unit,
        email=body.email,
        actor_id=grant.user.id,
    )
    return _user(user)


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(user_id: int, body: UserPatch, db: DbSession, grant: Admin) -> dict[str, Any]:
    """Change a user's role, scope, team, unit, e-mail address or active flag; audited.
    An administrator cannot take the admin role from herself, deactivate herself or change
    her own scope, team or unit (422)."""
    user = db.get(StaffUser, user_id)
    if user is None:
        raise NotFound(_("No user with id {id}.", id=user_id))
    changed = update_user(
        db,
        name=user.name,
        role=body.role,
        scope=body.scope,
        team=body.team,
        unit=body.unit,
        email=body.email,
        active=body.active,
        actor_id=grant.user.id,
    )
    return _user(changed)


@router.post("/me/tokens", status_code=201, response_model=TokenOut)
def new_token(body: TokenIn, db: DbSession, grant: Own) -> dict[str, Any]:
    """A new API token for oneself; the secret is shown only in this answer."""
    issued = create_token(db, name=grant.user.name, label=body.label, actor_id=grant.user.id)
    return {"id": issued.id, "token": issued.secret, "prefix": issued.prefix}


@router.delete("/me/tokens/{token_id}", status_code=204)
def drop_token(token_id: int, db: DbSession, grant: Own) -> None:
    """Revoke one of one's own tokens (a user manager may revoke anyone's)."""
    token = db.get(ApiToken, token_id)
    user = grant.user
    if token is None or (token.user_id != user.id and not user.can(Capability.MANAGE_USERS)):
        raise NotFound(_("No API token with id {id}.", id=token_id))
    revoke_token(db, token_id=token_id, actor_id=user.id)
