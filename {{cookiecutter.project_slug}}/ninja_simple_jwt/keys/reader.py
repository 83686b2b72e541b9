"""The one reader of key material: the private key, the public key, the previous-keys document.

Every read goes to storage and either returns keys that ``JWT_ALGORITHM`` can use or raises a
``KeyMaterialError`` that names the file, what is wrong with it and how to fix it (``hint``).
Each caller decides what an error means: the per-process key cache answers 503 (or, for the
previous keys, logs and goes on), ``make_jwt_key`` refuses to change anything, and the system
checks report it under their ID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from ninja_simple_jwt.conf import Algorithm, get_jwt_settings
from ninja_simple_jwt.errors import MAKE_KEYS, MAKE_KEYS_FORCE
from ninja_simple_jwt.keys.algorithms import (
    PrivateKey,
    PublicKey,
    WrongKeyKindError,
    load_private_key,
    load_public_key,
)
from ninja_simple_jwt.keys.storage import (
    RetiredKey,
    describe_location,
    key_storage,
    parse_previous_keys,
    read_bytes,
)

__all__ = [
    "KeyInvalidError",
    "KeyKindError",
    "KeyMaterialError",
    "KeyMissingError",
    "KeyUnreadableError",
    "PreviousKeysError",
    "read_previous_keys",
    "read_private_key",
    "read_public_key",
    "replace_keys_hint",
]

Key = TypeVar("Key", PrivateKey, PublicKey)


def replace_keys_hint(purpose: str = "to replace the key pair") -> str:
    """The fix that replaces both keys, and what it costs."""
    return f"Run `{MAKE_KEYS_FORCE}` {purpose} (this signs every user out)."


class KeyMaterialError(Exception):
    """Stored key material that cannot be used; ``str()`` says which and why."""

    def __init__(self, message: str, location: str, hint: str) -> None:
        super().__init__(message)
        self.location = location
        self.hint = hint


class KeyMissingError(KeyMaterialError):
    """Nothing is stored under the key's name."""


class KeyUnreadableError(KeyMaterialError):
    """The storage failed: permissions, a folder in the file's place, network, settings."""


class KeyInvalidError(KeyMaterialError):
    """Not an unencrypted PEM key: empty, truncated, DER, garbage."""


class KeyKindError(KeyMaterialError):
    """A key of another kind than ``JWT_ALGORITHM`` needs, e.g. an RSA key under ES256."""


class PreviousKeysError(KeyMaterialError):
    """The previous-keys document exists and cannot be read or used."""


_UNREADABLE_HINT = (
    "Make it readable by the user running Django, or fix the storage settings "
    "(JWT_*_KEY_STORAGE, STORAGES) and credentials."
)


def _read(which: Literal["private", "public"], name: str, label: str) -> tuple[bytes, str]:
    """The bytes stored under ``name`` and their location."""
    try:
        storage = key_storage(which)
        location = describe_location(storage, name)
    except Exception as exc:  # ImproperlyConfigured, or a storage that cannot be built
        message = f"The JWT {label} {name} cannot be read: {type(exc).__name__}: {exc}"
        raise KeyUnreadableError(message, name, _UNREADABLE_HINT) from exc
    try:
        return read_bytes(storage, name), location
    except Exception as exc:
        try:
            missing = not storage.exists(name)
        except Exception:
            missing = False  # the storage cannot be asked: the read error stands
        if missing:
            message = f"The JWT {label} {location} is missing."
            raise KeyMissingError(message, location, f"Run `{MAKE_KEYS}`.") from exc
        message = f"The JWT {label} {location} cannot be read: {type(exc).__name__}: {exc}"
        raise KeyUnreadableError(message, location, _UNREADABLE_HINT) from exc


def _load(load: Callable[[bytes, Algorithm], Key], which: Literal["private", "public"]) -> Key:
    jwt_settings = get_jwt_settings()
    name = getattr(jwt_settings, f"JWT_{which.upper()}_KEY_PATH")
    pem, location = _read(which, name, f"{which} key")
    algorithm = jwt_settings.JWT_ALGORITHM
    try:
        return load(pem, algorithm)
    except WrongKeyKindError as exc:
        hint = replace_keys_hint(f"to make keys for {algorithm}")
        raise KeyKindError(
            f"The JWT {which} key {location} cannot be used: {exc}.",
            location,
            f"{hint} Or set JWT_ALGORITHM to match the keys.",
        ) from exc
    except Exception as exc:  # ValueError, TypeError (encrypted), UnsupportedAlgorithm
        kind = "an unencrypted PEM private" if which == "private" else "a PEM public"
        raise KeyInvalidError(
            f"The JWT {which} key {location} is not {kind} key: {exc}",
            location,
            replace_keys_hint(),
        ) from exc


def read_private_key() -> PrivateKey:
    """The private key that signs; a ``KeyMaterialError`` if it cannot."""
    return _load(load_private_key, "private")


def read_public_key() -> PublicKey:
    """The current public key; a ``KeyMaterialError`` if it cannot verify."""
    return _load(load_public_key, "public")


def read_previous_keys() -> tuple[RetiredKey, ...]:
    """The retired public keys that still verify, ``()`` without a document; else
    ``PreviousKeysError``, whatever is wrong (the document alone is at stake)."""
    jwt_settings = get_jwt_settings()
    name = jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    hint = (
        "Restore it from a backup, or delete it (tokens signed by the keys in it then stop "
        f"working). {replace_keys_hint('to start afresh')}"
    )
    try:
        data, location = _read("public", name, "previous-keys document")
    except KeyMissingError:
        return ()
    except KeyMaterialError as exc:
        raise PreviousKeysError(str(exc), exc.location, hint) from exc
    try:
        return parse_previous_keys(data, jwt_settings.JWT_ALGORITHM)
    except Exception as exc:  # ValueError, or a key cryptography cannot load
        message = f"The JWT previous-keys document {location} is unusable: {exc}"
        raise PreviousKeysError(message, location, hint) from exc
