"""Encryption at rest and keyed lookups for personal data.

One :class:`DataCipher` serves the ticket store, the tracker store and the
outbox, so key rotation is one command for all of them.  Keys come from
``DATA_KEYS`` (comma-separated Fernet keys, newest first): encryption always
uses the first; decryption tries each, which is what lets rotation
re-encrypt old rows lazily or in a batch.

Lookups never decrypt a table: e-mail addresses and phone numbers are found
through a keyed HMAC "blind index" of their normalised form, and phone numbers
that would otherwise become conversation ids are replaced by a keyed pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Optional, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = [
    "CryptoError",
    "DataCipher",
    "DecryptionError",
    "KeyConfigurationError",
    "Indexer",
    "generate_key",
    "normalise_email",
    "normalise_phone",
]


class CryptoError(Exception):
    """Base class for encryption problems."""


class KeyConfigurationError(CryptoError):
    """A key from the configuration is missing or not a valid key."""


class DecryptionError(CryptoError):
    """Ciphertext was tampered with, truncated, or written under an unknown key."""


def generate_key() -> str:
    """A fresh Fernet key (url-safe base64, 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


class DataCipher:
    """Authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) with rotation."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyConfigurationError("DATA_KEYS holds no key")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.encode("ascii") if isinstance(key, str) else key))
            except (ValueError, TypeError, UnicodeEncodeError) as exc:
                raise KeyConfigurationError(
                    f"DATA_KEYS key #{position} is not a valid Fernet key (32 url-safe base64 bytes)"
                ) from exc
        self._multi = MultiFernet(fernets)

    def encrypt(self, plaintext: str) -> bytes:
        return self._multi.encrypt(plaintext.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._multi.decrypt(bytes(token)).decode("utf-8")
        except (InvalidToken, TypeError, ValueError) as exc:
            raise DecryptionError("ciphertext failed authentication (tampered or unknown key)") from exc

    def encrypt_optional(self, plaintext: Optional[str]) -> Optional[bytes]:
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt_optional(self, token: Optional[bytes]) -> Optional[str]:
        return None if token is None else self.decrypt(token)

    def encrypt_json(self, value: Any) -> bytes:
        return self.encrypt(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    def decrypt_json(self, token: bytes) -> Any:
        return json.loads(self.decrypt(token))

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the primary key (the first in ``DATA_KEYS``)."""
        try:
            return self._multi.rotate(bytes(token))
        except InvalidToken as exc:
            raise DecryptionError("ciphertext failed authentication during rotation") from exc


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Digits with a leading '+' only; callers pass E.164 where they have it."""
    stripped = value.strip()
    digits = "".join(ch for ch in stripped if ch.isdigit())
    return ("+" if stripped.startswith("+") else "") + digits


class Indexer:
    """Keyed HMAC-SHA256 digests: blind indexes and pseudonyms.

    ``purpose`` separates domains so an e-mail's index can never be confused
    with a phone pseudonym even if the input strings coincide.
    """

    def __init__(self, key: str) -> None:
        if not key or len(key) < 16:
            raise KeyConfigurationError("INDEX_KEY must be at least 16 characters")
        self._key = key.encode("utf-8")

    def digest(self, purpose: str, value: str) -> str:
        message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def email_index(self, email: str) -> str:
        return self.digest("email", normalise_email(email))

    def phone_index(self, phone: str) -> str:
        return self.digest("phone", normalise_phone(phone))

    def pseudonym(self, kind: str, value: str) -> str:
        """A stable, non-reversible conversation id, e.g. ``sms-3f9a...``."""
        return f"{kind}-{self.digest('pseudonym:' + kind, normalise_phone(value))[:32]}"

    def verify(self, purpose: str, value: str, expected: str) -> bool:
        return hmac.compare_digest(self.digest(purpose, value), expected)
