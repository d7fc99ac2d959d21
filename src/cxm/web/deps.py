"""Dependencies of routes, as ``Annotated`` aliases (one place, as in the FastAPI template).

``DbSession`` is one transaction, committed before the response is sent (acknowledged means
committed). ``CurrentStaff`` accepts a bearer API token or a page session; a session used
for a state-changing request must carry the CSRF token. What a route needs beyond a
sign-in is declared with :func:`cxm.web.permissions.Require`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cxm.accounts import StaffUser, user_for_token
from cxm.accounts.sessions import live_session
from cxm.config import Settings
from cxm.i18n import _
from cxm.store import Store
from cxm.web.errors import NotAuthenticated
from cxm.web.security import check_csrf, read_session

__all__ = [
    "AppSettings",
    "AppStore",
    "CsrfChecked",
    "CurrentStaff",
    "DbSession",
    "OptionalStaff",
    "get_db",
    "password_stamp",
]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    with get_store(request).session() as session:
        yield session


AppStore = Annotated[Store, Depends(get_store)]
AppSettings = Annotated[Settings, Depends(get_settings)]
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def password_stamp(user: StaffUser) -> str:
    """A short digest of the password hash, kept in the session: changing the password
    ends every session made with the old one."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


async def optional_staff(request: Request, db: DbSession) -> StaffUser | None:
    """The signed-in staff member, or None. Checks CSRF on cookie-authenticated writes."""
    secret = _bearer(request)
    if secret is not None:
        user = user_for_token(db, secret=secret)
        if user is None:
            raise NotAuthenticated(_("The API token is invalid or revoked."))
        return user
    session = read_session(request)
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return None
    user = db.get(StaffUser, user_id)
    # The session names the password hash it was made with: a new password ends it.
    if user is None or not user.active or session.get("pw") != password_stamp(user):
        return None
    # Tracked on the server: sign-out, a new password or deactivation end it everywhere.
    if not live_session(db, sid=session.get("sid"), user_id=user.id):
        return None
    await check_csrf(request)
    return user


OptionalStaff = Annotated[StaffUser | None, Depends(optional_staff)]


def current_staff(user: OptionalStaff) -> StaffUser:
    if user is None:
        raise NotAuthenticated(_("Please sign in."))
    return user


CurrentStaff = Annotated[StaffUser, Depends(current_staff)]


async def _csrf(request: Request) -> None:
    await check_csrf(request)


CsrfChecked = Depends(_csrf)
