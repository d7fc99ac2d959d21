"""Tokens that open an invitation or a public link: 192 random bits from :mod:`secrets`,
kept in the database only as their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

__all__ = ["TOKEN_BYTES", "hash_token", "keyed_hash", "looks_like_token", "new_token"]

#: 24 bytes = 192 bits (more than the 128 bits asked for).
TOKEN_BYTES = 24
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def new_token() -> str:
    """A fresh URL-safe token (32 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256. A high-entropy token needs no salt."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database (same answer for every bad token)."""
    return bool(_TOKEN_RE.match(token))


def keyed_hash(secret: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` (a client address), so raw addresses are never stored."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
