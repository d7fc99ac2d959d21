"""Encryption of identity numbers: AES-256-GCM for the value, HMAC-SHA256 for look-ups.

The key is ``CXM_DATA_KEY`` (32 random bytes, base64). Two sub-keys are derived from it
with HMAC (one to encrypt, one to hash), so a leaked look-up hash says nothing of the
encryption key. The look-up hash is keyed: without the key nobody can test guesses of an
ID-card number against it (a plain SHA-256 of an 18-digit number with a checksum and a
birth date inside is quickly brute-forced).
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

__all__ = ["DataKey", "PREFIX"]

PREFIX = "v1:"
_NONCE = 12


@dataclass(frozen=True, slots=True)
class DataKey:
    encrypt_key: bytes
    lookup_key: bytes

    @classmethod
    def from_setting(cls, value: str) -> DataKey:
        """The key from ``CXM_DATA_KEY``; a clear error when it is missing or malformed."""
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
            raise ConfigError(_("CXM_DATA_KEY must be 32 bytes in base64 (44 characters)."))
        return cls(
            encrypt_key=hmac.new(raw, b"cxm.encrypt.v1", hashlib.sha256).digest(),
            lookup_key=hmac.new(raw, b"cxm.lookup.v1", hashlib.sha256).digest(),
        )

    def encrypt(self, plain: str, *, context: str) -> str:
        """``v1:`` + base64(nonce + ciphertext + tag); ``context`` (e.g. the row's kind and
        customer) is authenticated, so a ciphertext moved to another row fails to open."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.encrypt_key).encrypt(nonce, plain.encode(), context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not token.startswith(PREFIX):
            raise InputError(_("Unknown ciphertext format."))
        blob = base64.b64decode(token[len(PREFIX) :])
        try:
            plain = AESGCM(self.encrypt_key).decrypt(blob[:_NONCE], blob[_NONCE:], context.encode())
        except InvalidTag:
            raise ConfigError(
                _(
                    "A stored number cannot be decrypted: CXM_DATA_KEY is not the key it was "
                    "encrypted with."
                )
            ) from None
        return plain.decode()

    def lookup_hash(self, normalised: str) -> str:
        return hmac.new(self.lookup_key, normalised.encode(), hashlib.sha256).hexdigest()
