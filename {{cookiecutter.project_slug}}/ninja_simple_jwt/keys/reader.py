"""The one reader of key material: the private key, the public key, the previous-keys document.

Each read returns keys that ``JWT_ALGORITHM`` can use or raises a ``KeyMaterialError``, which
each caller handles its way: the key cache answers 503 (or, for the previous keys, logs and goes
on), ``make_jwt_key`` changes nothing, and the system checks report it under its ID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from django.core.files.storage import Storage
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
)

__all__ = [
    "KeyMaterialError",
    "KeyMissingError",
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
    """Stored key material that cannot be used: ``str()`` says which, where and why; ``hint``
    says how to fix it; ``check_id`` is the system check that reports it (E003 unreadable,
    E004 not a PEM key, E008 of the wrong kind, E009 a bad previous-keys document)."""

    def __init__(self, what: str, location: str, problem: str, hint: str, check_id: str) -> None:
        super().__init__(f"The JWT {what} {location} {problem}")
        self.location, self.problem, self.hint = location, problem, hint
        self.check_id = f"ninja_simple_jwt.{check_id}"


class KeyMissingError(KeyMaterialError):
    """Nothing is stored under the key's name (the checks report both keys' as one E002)."""


_FIX_STORAGE = (
    "Make it readable by the user running Django, or fix the storage settings "
    "(JWT_*_KEY_STORAGE, STORAGES) and credentials."
)


def _read(which: Literal["private", "public"], name: str, what: str) -> tuple[bytes, str]:
    """The bytes stored under ``name`` and their location."""
    storage, location = None, name
    try:
        storage = key_storage(which)
        location = describe_location(storage, name)
        with storage.open(name, "rb") as key_file:
            return bytes(key_file.read()), location
    except Exception as exc:
        if storage is not None and not _exists(storage, name):
            hint = f"Run `{MAKE_KEYS}`."
            raise KeyMissingError(what, location, "is missing.", hint, "E002") from exc
        problem = f"cannot be read: {type(exc).__name__}: {exc}"
        raise KeyMaterialError(what, location, problem, _FIX_STORAGE, "E003") from exc


def _exists(storage: Storage, name: str) -> bool:
    try:
        return storage.exists(name)
    except Exception:
        return True  # the storage cannot even be asked: its read error stands


def _load(load: Callable[[bytes, Algorithm], Key], which: Literal["private", "public"]) -> Key:
    jwt_settings = get_jwt_settings()
    what, algorithm = f"{which} key", jwt_settings.JWT_ALGORITHM
    pem, location = _read(which, getattr(jwt_settings, f"JWT_{which.upper()}_KEY_PATH"), what)
    try:
        return load(pem, algorithm)
    except WrongKeyKindError as exc:
        hint = replace_keys_hint(f"to make keys for {algorithm}")
        hint += " Or set JWT_ALGORITHM to match the keys."
        raise KeyMaterialError(what, location, f"cannot be used: {exc}.", hint, "E008") from exc
    except Exception as exc:  # ValueError, TypeError (encrypted), UnsupportedAlgorithm
        kind = "an unencrypted PEM private" if which == "private" else "a PEM public"
        problem = f"is not {kind} key: {exc}"
        raise KeyMaterialError(what, location, problem, replace_keys_hint(), "E004") from exc


def read_private_key() -> PrivateKey:
    """The private key that signs; a ``KeyMaterialError`` if it cannot."""
    return _load(load_private_key, "private")


def read_public_key() -> PublicKey:
    """The current public key; a ``KeyMaterialError`` if it cannot verify."""
    return _load(load_public_key, "public")


def read_previous_keys() -> tuple[RetiredKey, ...]:
    """The retired public keys that still verify, ``()`` without a document; else
    a ``KeyMaterialError`` E009, whatever is wrong (the document alone is at stake)."""
    jwt_settings = get_jwt_settings()
    what = "previous-keys document"
    hint = (
        "Restore it from a backup, or delete it (tokens signed by the keys in it then stop "
        f"working). {replace_keys_hint('to start afresh')}"
    )
    try:
        data, location = _read("public", jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH, what)
        return parse_previous_keys(data, jwt_settings.JWT_ALGORITHM)
    except KeyMissingError:
        return ()
    except KeyMaterialError as exc:
        raise KeyMaterialError(what, exc.location, exc.problem, hint, "E009") from exc
    except Exception as exc:  # ValueError, or a key that cryptography cannot load
        raise KeyMaterialError(what, location, f"is unusable: {exc}", hint, "E009") from exc
