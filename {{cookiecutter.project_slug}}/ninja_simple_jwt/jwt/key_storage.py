"""Where the keys live: the two configured Django storages, and reading from them.

Storages are any Django ``Storage`` instance named by import string (local disk by default;
S3 and others through django-storages), so everything here goes through the ``Storage`` API.
"""

from __future__ import annotations

from typing import Final

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from django.utils.module_loading import import_string
from ninja_simple_jwt.settings import get_jwt_settings

__all__ = [
    "MAKE_RSA",
    "MAKE_RSA_FORCE",
    "describe_location",
    "get_private_key_storage",
    "get_public_key_storage",
    "read_bytes",
]

# The commands that fix missing or broken keys, quoted in errors and check hints.
MAKE_RSA: Final = "python manage.py make_rsa"
MAKE_RSA_FORCE: Final = "python manage.py make_rsa --force"


def _import_storage(setting_name: str, import_path: str) -> Storage:
    try:
        storage = import_string(import_path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"NINJA_SIMPLE_JWT[{setting_name!r}] cannot be imported: {exc}"
        ) from exc
    if not isinstance(storage, Storage):
        raise ImproperlyConfigured(
            f"NINJA_SIMPLE_JWT[{setting_name!r}] must name a Storage instance, "
            f"{import_path!r} is {storage!r}."
        )
    return storage


def get_private_key_storage() -> Storage:
    """The storage instance named by ``JWT_PRIVATE_KEY_STORAGE``."""
    return _import_storage("JWT_PRIVATE_KEY_STORAGE", get_jwt_settings().JWT_PRIVATE_KEY_STORAGE)


def get_public_key_storage() -> Storage:
    """The storage instance named by ``JWT_PUBLIC_KEY_STORAGE``."""
    return _import_storage("JWT_PUBLIC_KEY_STORAGE", get_jwt_settings().JWT_PUBLIC_KEY_STORAGE)


def describe_location(storage: Storage, name: str) -> str:
    """A file path for local storages, else the name and the storage class."""
    try:
        return storage.path(name)
    except NotImplementedError:
        return f"{name} (in {type(storage).__module__}.{type(storage).__qualname__})"


def read_bytes(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as key_file:
        data = key_file.read()
    return data.encode() if isinstance(data, str) else bytes(data)
