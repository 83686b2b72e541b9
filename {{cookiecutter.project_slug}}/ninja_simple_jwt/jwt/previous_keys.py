"""The previous-keys document: retired public keys that still verify tokens after a rotation.

``make_rsa --rotate`` writes it as JSON to the public key storage, at
``JWT_PREVIOUS_PUBLIC_KEYS_PATH``; only public keys are in it::

    {
      "keys": [
        {
          "kid": "<RFC 7638 thumbprint of the key>",
          "retired_at": "2025-01-31T12:00:00Z",
          "pem": "-----BEGIN PUBLIC KEY-----\\n...\\n-----END PUBLIC KEY-----\\n"
        }
      ]
    }
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ninja_simple_jwt.jwt.jwk import (
    PublicKey,
    WrongKeyKindError,
    key_id,
    load_public_key,
    public_key_pem,
)
from ninja_simple_jwt.settings import JwtAlgorithm

__all__ = [
    "PreviousKeysDocumentError",
    "PreviousPublicKey",
    "format_time",
    "parse_previous_keys",
    "serialize_previous_keys",
]


class PreviousKeysDocumentError(ValueError):
    """The document cannot be used: not JSON, not the expected shape, or a key is wrong."""


@dataclass(frozen=True)
class PreviousPublicKey:
    """A retired public key, still accepted for verification."""

    kid: str
    public_key: PublicKey
    retired_at: datetime

    @classmethod
    def retire(cls, public_key: PublicKey, retired_at: datetime) -> PreviousPublicKey:
        return cls(kid=key_id(public_key), public_key=public_key, retired_at=retired_at)


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. ``2025-01-31T12:00:00Z``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _string_member(entry: dict[str, Any], member: str, where: str) -> str:
    value = entry.get(member)
    if not isinstance(value, str) or not value:
        raise PreviousKeysDocumentError(f"{where}.{member} is missing or not a string.")
    return value


def _entry(index: int, entry: Any, algorithm: JwtAlgorithm) -> PreviousPublicKey:
    where = f"keys[{index}]"
    if not isinstance(entry, dict):
        raise PreviousKeysDocumentError(f"{where} is not an object.")
    kid = _string_member(entry, "kid", where)
    pem = _string_member(entry, "pem", where)
    retired_at_text = _string_member(entry, "retired_at", where)
    try:
        public_key = load_public_key(pem.encode(), algorithm)
    except WrongKeyKindError as exc:
        raise PreviousKeysDocumentError(f"{where} ({kid}) cannot verify tokens: {exc}.") from exc
    except Exception as exc:
        raise PreviousKeysDocumentError(f"{where}.pem is not a PEM public key: {exc}") from exc
    if key_id(public_key) != kid:
        raise PreviousKeysDocumentError(f"{where}.kid {kid!r} is not the thumbprint of its key.")
    try:
        retired_at = datetime.fromisoformat(retired_at_text)
    except ValueError as exc:
        raise PreviousKeysDocumentError(
            f"{where}.retired_at {retired_at_text!r} is not an ISO 8601 time."
        ) from exc
    if retired_at.tzinfo is None:
        raise PreviousKeysDocumentError(
            f"{where}.retired_at {retired_at_text!r} has no time zone (write it in UTC, with Z)."
        )
    return PreviousPublicKey(kid=kid, public_key=public_key, retired_at=retired_at)


def parse_previous_keys(data: bytes, algorithm: JwtAlgorithm) -> tuple[PreviousPublicKey, ...]:
    """The keys of a previous-keys document; ``PreviousKeysDocumentError`` if it is unusable."""
    try:
        document = json.loads(data)
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise PreviousKeysDocumentError(f"not valid JSON: {exc}") from exc
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PreviousKeysDocumentError('expected an object with a "keys" list.')
    keys = tuple(_entry(index, entry, algorithm) for index, entry in enumerate(entries))
    kids = [key.kid for key in keys]
    if len(set(kids)) != len(kids):
        raise PreviousKeysDocumentError("a kid appears more than once.")
    return keys


def serialize_previous_keys(keys: Iterable[PreviousPublicKey]) -> bytes:
    """The document for ``keys``, most recently retired first."""
    ordered = sorted(keys, key=lambda key: key.retired_at, reverse=True)
    document = {
        "keys": [
            {
                "kid": key.kid,
                "retired_at": format_time(key.retired_at),
                "pem": public_key_pem(key.public_key).decode(),
            }
            for key in ordered
        ]
    }
    return (json.dumps(document, indent=2) + "\n").encode()
