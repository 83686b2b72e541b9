"""The key files of the current settings, read back as a test sees them.

Under the test settings the key storages are folders (``STORAGES`` aliases of the project, moved
by ``keys_in``): the ``keys`` and ``algorithm`` fixtures point them at a copy of a key pair.
"""

import os
import stat
from pathlib import Path
from typing import Any, Literal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.keys.algorithms import key_id, load_public_key
from ninja_simple_jwt.keys.storage import key_storage

KeyFile = Literal["private", "public", "previous"]
# File modes and umasks are POSIX notions.
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def keys_in(folder: Path) -> dict[str, Any]:
    """The project's ``STORAGES`` with the key files in ``folder``."""
    project: dict[str, Any] = settings.STORAGES
    return {
        **project,
        **{
            alias: {**entry, "OPTIONS": {**entry.get("OPTIONS", {}), "location": folder}}
            for alias, entry in project.items()
            if alias in ("jwt_private_key", "jwt_public_key")
        },
    }


def key_file(which: KeyFile, directory: Path | None = None) -> Path:
    """Where the private key, the public key or the previous-keys document is kept."""
    jwt_settings = get_jwt_settings()
    name = {
        "private": jwt_settings.JWT_PRIVATE_KEY_PATH,
        "public": jwt_settings.JWT_PUBLIC_KEY_PATH,
        "previous": jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH,
    }[which]
    if directory is not None:
        return directory / name
    return Path(key_storage("private" if which == "private" else "public").path(name))


def file_kid(path: Path) -> str:
    """The key id of the public key in ``path``."""
    return key_id(load_public_key(path.read_bytes(), get_jwt_settings().JWT_ALGORITHM))


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(directory: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every entry of ``directory``: its content (None for a folder) and its mode."""
    return {
        entry.name: (entry.read_bytes() if entry.is_file() else None, file_mode(entry))
        for entry in directory.iterdir()
    }


def jwks_kids(client: Client) -> list[str]:
    """The key ids of the JWK Set, in its order."""
    response = client.get(reverse("jwks"))
    assert response.status_code == 200, response.content
    keys: list[dict[str, Any]] = response.json()["keys"]
    return [jwk["kid"] for jwk in keys]
