"""Staff accounts: users with roles, argon2 password hashes, revocable API tokens."""

from __future__ import annotations

from cxm.accounts.models import ApiToken, Role, StaffUser
from cxm.accounts.service import (
    authenticate,
    create_token,
    create_user,
    get_user,
    list_tokens,
    list_users,
    revoke_token,
    set_password,
    update_user,
    user_for_token,
)

__all__ = [
    "ApiToken",
    "Role",
    "StaffUser",
    "authenticate",
    "create_token",
    "create_user",
    "get_user",
    "list_tokens",
    "list_users",
    "revoke_token",
    "set_password",
    "update_user",
    "user_for_token",
]
