"""Encryption of identity numbers: AES-256-GCM for the value, HMAC-SHA256 for look-ups.

The key is ``CXM_DATA_KEY`` (32 random bytes, base64). Two sub-keys are derived from it
with HMAC (one to encrypt, one to hash), so a leaked look-up hash says nothing of the
encryption key. The look-up hash is keyed: without the key nobody can test guesses of an
ID-card number against it (a plain SHA-256 of an 18-digit number with a checksum and a
birth date inside is quickly brute-forced).

Key rotation: set the new key as ``CXM_DATA_KEY`` and the old one(s) in
``CXM_DATA_KEY_PREVIOUS`` (comma-separated). Values are then read under whichever key
sealed them (a ``v2:`` value names its key by a short id; an older ``v1:`` one is tried
under each) and found by the look-up hash of every key, while ``cxm privacy rotate-key``
re-seals them all under the new key; afterwards ``CXM_DATA_KEY_PREVIOUS`` is removed.

A shared utility (it imports only errors and i18n): privacy seals identity numbers with it,
accounts seal TOTP secrets, so it sits below both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from cxm.errors import ConfigError, InputError
from cxm.i18n import _

__all__ = ["PREFIX", "PREFIXES", "DataKey"]

#: The current format: ``v2:<key id>:`` + base64(nonce + ciphertext + tag).
PREFIX = "v2:"
#: Every format a stored value may have (``v1:``: no key id, before rotation existed).
PREFIXES = ("v1:", "v2:")
_NONCE = 12


@dataclass(frozen=True, slots=True)
class DataKey:
    encrypt_key: bytes
    lookup_key: bytes
    #: A short public id of the key (an HMAC of it), written into each value it seals.
    key_id: str = ""
    #: Earlier keys still accepted for reading and look-ups while a rotation runs.
    previous: tuple[DataKey, ...] = ()

    @classmethod
    def from_setting(cls, value: str, previous: str = "") -> DataKey:
        """The key from ``CXM_DATA_KEY`` (and the earlier ones, comma-separated, from
        ``CXM_DATA_KEY_PREVIOUS``); a clear error when one is missing or malformed."""
        current = cls._one(value, "CXM_DATA_KEY")
        olds = tuple(
            cls._one(v.strip(), "CXM_DATA_KEY_PREVIOUS") for v in previous.split(",") if v.strip()
        )
        olds = tuple(k for k in olds if k.key_id != current.key_id)
        return cls(current.encrypt_key, current.lookup_key, current.key_id, olds)

    @classmethod
    def _one(cls, value: str, name: str) -> DataKey:
        if not value:
            raise ConfigError(
                _(
                    "CXM_DATA_KEY is not set: ID-card and bank-card numbers are stored "
                    "encrypted with it. Set it to 32 random bytes in base64."
                )
            )
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ConfigError(_("{name} must be 32 bytes in base64 (44 characters).", name=name))
        return cls(
            encrypt_key=hmac.new(raw, b"cxm.encrypt.v1", hashlib.sha256).digest(),
            lookup_key=hmac.new(raw, b"cxm.lookup.v1", hashlib.sha256).digest(),
            key_id=hmac.new(raw, b"cxm.key-id.v1", hashlib.sha256).hexdigest()[:8],
        )

    def encrypt(self, plain: str, *, context: str) -> str:
        """``v2:<key id>:`` + base64(nonce + ciphertext + tag); ``context`` (e.g. the row's
        kind and customer) is authenticated, so a ciphertext moved to another row fails to
        open."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.encrypt_key).encrypt(nonce, plain.encode(), context.encode())
        return f"{PREFIX}{self.key_id}:" + base64.b64encode(nonce + sealed).decode()

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is sealed under this (the current) key."""
        return token.startswith(f"{PREFIX}{self.key_id}:")

    def decrypt(self, token: str, *, context: str) -> str:
        """The plain value, opened with whichever accepted key sealed it."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        keys = (self, *self.previous)
        if token.startswith(PREFIX):
            key_id, _sep, body = token[len(PREFIX) :].partition(":")
            keys = tuple(k for k in keys if k.key_id == key_id)
        elif token.startswith("v1:"):
            body = token[3:]
        else:
            raise InputError(_("Unknown ciphertext format."))
        blob = base64.b64decode(body)
        for key in keys:
            try:
                aead = AESGCM(key.encrypt_key)
                plain = aead.decrypt(blob[:_NONCE], blob[_NONCE:], context.encode())
            except InvalidTag:
                continue
            return plain.decode()
        raise ConfigError(
            _(
                "A stored value cannot be decrypted: it was encrypted with a key that is "
                "neither CXM_DATA_KEY nor one of CXM_DATA_KEY_PREVIOUS."
            )
        )

    def lookup_hash(self, normalised: str) -> str:
        """The keyed hash under the current key (what is stored)."""
        return hmac.new(self.lookup_key, normalised.encode(), hashlib.sha256).hexdigest()

    def lookup_hashes(self, normalised: str) -> list[str]:
        """The keyed hash under every accepted key: a value not yet re-sealed by a
        rotation is still found."""
        return [k.lookup_hash(normalised) for k in (self, *self.previous)]
