"""Where the keys live, how they are written, and the format of the previous-keys document.

``JWT_PRIVATE_KEY_STORAGE`` / ``JWT_PUBLIC_KEY_STORAGE`` name a ``STORAGES`` alias or, as in the
library, the import string of a ``Storage`` instance; when ``JWT_PRIVATE_KEY`` / ``JWT_PUBLIC_KEY``
hold PEM text (say, from environment variables), a ``SettingsKeyStorage`` serves it instead.
Beside the public key, ``make_jwt_key --rotate`` keeps the retired public keys that still verify::

    {"keys": [{"kid": "<thumbprint>", "retired_at": "2025-01-31T12:00:00Z", "pem": "..."}]}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.utils import validate_file_name
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string
from ninja_simple_jwt.conf import Algorithm, get_jwt_settings
from ninja_simple_jwt.keys.algorithms import PublicKey, key_id, load_public_key, public_key_pem

__all__ = [
    "KeyFileStorage",
    "RetiredKey",
    "SettingsKeyStorage",
    "describe_location",
    "format_time",
    "key_storage",
    "parse_previous_keys",
    "replace_file",
    "serialize_previous_keys",
]

PRIVATE_KEY_FILE_MODE: Final = 0o600


@deconstructible(path="ninja_simple_jwt.keys.storage.KeyFileStorage")
class KeyFileStorage(FileSystemStorage):
    """A ``FileSystemStorage`` for key files, in ``settings.BASE_DIR`` unless given a location:
    a file has its mode (0o600 unless given) from the system call that creates it, so a private
    key is never readable by others, not even for an instant."""

    def __init__(self, location: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", PRIVATE_KEY_FILE_MODE)
        base_dir = getattr(settings, "BASE_DIR", os.curdir)
        super().__init__(location=base_dir if location is None else location, **kwargs)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Never another name: a key saved as "jwt-signing_a1b2c3.pem" would be lost.
        validate_file_name(name, allow_relative_path=True)
        return name

    def _save(self, name: str, content: File[Any]) -> str:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = self.file_permissions_mode or PRIVATE_KEY_FILE_MODE
        # O_EXCL: fail if the name exists (a symlink too); the mode applies from creation on.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(path, flags, mode)
        try:
            with os.fdopen(descriptor, "wb") as output:  # closes the descriptor
                os.fchmod(descriptor, mode)  # the umask may have removed bits
                for chunk in content.chunks():
                    output.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written key
            raise
        return name


class SettingsKeyStorage(Storage):
    """The keys given as text in settings, in memory. Nothing is written anywhere: what
    ``make_jwt_key`` saves here, it prints as environment variables (see ``files``)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = {name: text.encode() for name, text in files.items()}

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        if name not in self.files:
            raise FileNotFoundError(name)
        return ContentFile(self.files[name], name=name)

    def _save(self, name: str, content: File[Any]) -> str:
        self.files[name] = bytes(content.read())
        return name

    def exists(self, name: str) -> bool:
        return name in self.files

    def delete(self, name: str) -> None:
        self.files.pop(name, None)


@cache
def _settings_storage(files: tuple[tuple[str, str], ...]) -> SettingsKeyStorage:
    # One instance per settings text, so the command's writes are seen by the same process.
    return SettingsKeyStorage(dict(files))


def key_storage(which: Literal["private", "public"]) -> Storage:
    """The storage of that key (the public one's holds the previous keys too); see above."""
    jwt_settings = get_jwt_settings()
    texts = {
        "private": [(jwt_settings.JWT_PRIVATE_KEY_PATH, jwt_settings.JWT_PRIVATE_KEY)],
        "public": [
            (jwt_settings.JWT_PUBLIC_KEY_PATH, jwt_settings.JWT_PUBLIC_KEY),
            (jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH, jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS),
        ],
    }[which]
    if texts[0][1] is not None:  # the key's text is in settings
        return _settings_storage(tuple((name, text) for name, text in texts if text is not None))
    setting = f"JWT_{which.upper()}_KEY_STORAGE"
    name: str = getattr(jwt_settings, setting)
    if name in storages.backends:
        return storages[name]
    try:
        storage = import_string(name)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"NINJA_SIMPLE_JWT[{setting!r}] is neither a STORAGES alias nor importable: {exc}"
        ) from exc
    if not isinstance(storage, Storage):
        raise ImproperlyConfigured(
            f"NINJA_SIMPLE_JWT[{setting!r}] must name a Storage instance, {name!r} is {storage!r}."
        )
    return storage


def describe_location(storage: Storage, name: str) -> str:
    """A file path for local storages, else the name and the storage class."""
    try:
        return storage.path(name)
    except Exception:  # NotImplementedError: not a local storage
        return f"{name} (in {type(storage).__module__}.{type(storage).__qualname__})"


def replace_file(which: Literal["private", "public"], name: str, content: bytes | None) -> str:
    """Save ``content`` as ``name`` in that key storage (``None``: delete it); its location."""
    storage = key_storage(which)
    if storage.exists(name):
        storage.delete(name)
    if content is None:
        return describe_location(storage, name)
    saved = storage.save(name, ContentFile(content))
    if which == "private" and isinstance(storage, FileSystemStorage):
        # A plain FileSystemStorage applies FILE_UPLOAD_PERMISSIONS (often 0o644): tighten it.
        os.chmod(storage.path(saved), PRIVATE_KEY_FILE_MODE)
    if saved != name:
        raise OSError(f"The storage saved {name!r} as {saved!r}; the app would not find it.")
    return describe_location(storage, saved)


@dataclass(frozen=True)
class RetiredKey:
    """A retired public key that still verifies the tokens it signed."""

    kid: str
    public_key: PublicKey
    retired_at: datetime


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, e.g. ``2025-01-31T12:00:00Z``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_previous_keys(data: bytes, algorithm: Algorithm) -> tuple[RetiredKey, ...]:
    """The keys of a previous-keys document; ``ValueError`` saying what is wrong with it."""
    document = json.loads(data)  # JSONDecodeError and UnicodeDecodeError are ValueErrors
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError('expected an object with a "keys" list.')
    keys = []
    for index, entry in enumerate(entries):
        where = f"keys[{index}]"
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(member), str) for member in ("kid", "pem", "retired_at")
        ):
            raise ValueError(f"{where} needs the strings kid, pem and retired_at.")
        try:
            public_key = load_public_key(entry["pem"].encode(), algorithm)
        except ValueError as exc:
            raise ValueError(f"{where}.pem cannot verify tokens: {exc}") from exc
        if key_id(public_key) != entry["kid"]:
            raise ValueError(f"{where}.kid {entry['kid']!r} is not the thumbprint of its key.")
        retired_at = datetime.fromisoformat(entry["retired_at"])
        if retired_at.tzinfo is None:
            raise ValueError(f"{where}.retired_at has no time zone (write it in UTC, with Z).")
        keys.append(RetiredKey(entry["kid"], public_key, retired_at))
    if len({key.kid for key in keys}) != len(keys):
        raise ValueError("a kid appears more than once.")
    return tuple(keys)


def serialize_previous_keys(keys: list[RetiredKey]) -> bytes:
    ordered = sorted(keys, key=lambda key: key.retired_at, reverse=True)
    entries = [
        {
            "kid": key.kid,
            "retired_at": format_time(key.retired_at),
            "pem": public_key_pem(key.public_key).decode(),
        }
        for key in ordered
    ]
    return (json.dumps({"keys": entries}, indent=2) + "\n").encode()
