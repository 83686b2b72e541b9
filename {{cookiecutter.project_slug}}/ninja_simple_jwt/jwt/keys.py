"""The RSA key pair: generation, saving, cached loading and diagnosis.

Keys live in the two configured Django storages (local disk by default, S3 or any other
``Storage`` by setting). Each process reads and parses them once; ``clear_key_cache()``
forgets them (``make_rsa`` and changes of ``NINJA_SIMPLE_JWT`` call it).
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.module_loading import import_string
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.settings import get_jwt_settings
from ninja_simple_jwt.storage import PRIVATE_KEY_FILE_MODE, ProjectRootStorage

__all__ = [
    "ALGORITHM",
    "RSA_KEY_SIZE",
    "RSA_PUBLIC_EXPONENT",
    "KeyPairExistsError",
    "KeyProblem",
    "KeyProblemKind",
    "KeyStorageError",
    "SavedKeyPair",
    "clear_key_cache",
    "describe_location",
    "diagnose_keys",
    "generate_key_pair",
    "get_private_key_storage",
    "get_public_key_storage",
    "get_signing_key",
    "get_verifying_key",
    "save_key_pair",
]

logger = logging.getLogger("ninja_simple_jwt")

ALGORITHM: Final = "RS256"
RSA_KEY_SIZE: Final = 2048
RSA_PUBLIC_EXPONENT: Final = 65537

MAKE_RSA: Final = "python manage.py make_rsa"
MAKE_RSA_FORCE: Final = "python manage.py make_rsa --force"


class KeyPairExistsError(Exception):
    """``save_key_pair(force=False)`` found a key already: replacing it would sign everyone out."""

    def __init__(self, existing_locations: list[str]) -> None:
        self.existing_locations = existing_locations
        super().__init__(f"JWT key files already exist: {', '.join(existing_locations)}")


class KeyStorageError(Exception):
    """A storage did not save a key under the configured name."""


@dataclass(frozen=True)
class SavedKeyPair:
    """Where ``save_key_pair`` put the keys (a file path for local storages)."""

    private_key_location: str
    public_key_location: str


KeyProblemKind = Literal["missing", "unreadable", "invalid", "mismatch", "permissions"]


@dataclass(frozen=True)
class KeyProblem:
    """One problem found by ``diagnose_keys``: what is wrong and the command that fixes it."""

    kind: KeyProblemKind
    message: str
    hint: str


def generate_key_pair() -> tuple[bytes, bytes]:
    """A new RSA key pair ``(private_pem, public_pem)``: unencrypted PKCS#8 and SPKI PEM."""
    private_key = rsa.generate_private_key(
        public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE
    )
    private_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return private_pem, public_pem


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


def _read_bytes(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as key_file:
        data = key_file.read()
    return data.encode() if isinstance(data, str) else bytes(data)


def _parse_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"expected an RSA private key for {ALGORITHM}, found {type(key).__name__}")
    return key


def _parse_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError(f"expected an RSA public key for {ALGORITHM}, found {type(key).__name__}")
    return key


@cache
def get_signing_key() -> rsa.RSAPrivateKey:
    """The private key, read from storage and parsed once per process.

    Raises ``KeysUnavailableError`` (503) if it cannot be read or parsed; failures are not cached.
    """
    jwt_settings = get_jwt_settings()
    try:
        storage = get_private_key_storage()
        return _parse_private_key(_read_bytes(storage, jwt_settings.JWT_PRIVATE_KEY_PATH))
    except Exception as exc:
        # Any storage backend error (disk, S3, ...) or parse error: answer 503, log the cause.
        logger.error(
            "Cannot load the JWT private key %r: %s", jwt_settings.JWT_PRIVATE_KEY_PATH, exc
        )
        raise KeysUnavailableError() from exc


@cache
def get_verifying_key() -> rsa.RSAPublicKey:
    """The public key, read from storage and parsed once per process.

    Raises ``KeysUnavailableError`` (503) if it cannot be read or parsed; failures are not cached.
    """
    jwt_settings = get_jwt_settings()
    try:
        storage = get_public_key_storage()
        return _parse_public_key(_read_bytes(storage, jwt_settings.JWT_PUBLIC_KEY_PATH))
    except Exception as exc:
        logger.error("Cannot load the JWT public key %r: %s", jwt_settings.JWT_PUBLIC_KEY_PATH, exc)
        raise KeysUnavailableError() from exc


def clear_key_cache() -> None:
    """Forget the loaded keys; the next token operation reads them from storage again."""
    get_signing_key.cache_clear()
    get_verifying_key.cache_clear()


def save_key_pair(force: bool = False) -> SavedKeyPair:
    """Generate a key pair and save it through the configured storages.

    Without ``force``, raises ``KeyPairExistsError`` if either key exists and changes nothing.
    With ``force``, replaces both (every token signed by the old key stops working).
    """
    jwt_settings = get_jwt_settings()
    private_storage = get_private_key_storage()
    public_storage = get_public_key_storage()
    targets = (
        (private_storage, jwt_settings.JWT_PRIVATE_KEY_PATH),
        (public_storage, jwt_settings.JWT_PUBLIC_KEY_PATH),
    )
    existing = [(storage, name) for storage, name in targets if storage.exists(name)]
    if existing and not force:
        raise KeyPairExistsError([describe_location(storage, name) for storage, name in existing])

    # Generate before deleting, so a failure here leaves the old pair in place.
    private_pem, public_pem = generate_key_pair()
    for storage, name in existing:
        storage.delete(name)

    # Exists was checked above, so a storage that renames on conflict has no reason to.
    saved_private = private_storage.save(
        jwt_settings.JWT_PRIVATE_KEY_PATH, ContentFile(private_pem)
    )
    if isinstance(private_storage, FileSystemStorage) and not isinstance(
        private_storage, ProjectRootStorage
    ):
        # A plain FileSystemStorage applies FILE_UPLOAD_PERMISSIONS (often 0o644): tighten at once.
        os.chmod(private_storage.path(saved_private), PRIVATE_KEY_FILE_MODE)
    saved_public = public_storage.save(jwt_settings.JWT_PUBLIC_KEY_PATH, ContentFile(public_pem))
    clear_key_cache()

    for saved, expected in (
        (saved_private, jwt_settings.JWT_PRIVATE_KEY_PATH),
        (saved_public, jwt_settings.JWT_PUBLIC_KEY_PATH),
    ):
        if saved != expected:
            raise KeyStorageError(
                f"The storage saved {expected!r} as {saved!r}; the app would not find it."
            )
    return SavedKeyPair(
        private_key_location=describe_location(private_storage, saved_private),
        public_key_location=describe_location(public_storage, saved_public),
    )


def _load_for_diagnosis(
    storage: Storage, name: str, label: str, problems: list[KeyProblem]
) -> tuple[bool, bytes | None]:
    """Return ``(exists, pem)``; record a problem when it cannot be told or read."""
    location = describe_location(storage, name)
    try:
        exists = storage.exists(name)
    except Exception as exc:
        problems.append(
            KeyProblem(
                "unreadable",
                f"Cannot reach the JWT {label} key {location}: {type(exc).__name__}: {exc}",
                "Check the key storage settings (JWT_*_KEY_STORAGE in NINJA_SIMPLE_JWT) and "
                "its credentials.",
            )
        )
        return True, None
    if not exists:
        return False, None
    try:
        return True, _read_bytes(storage, name)
    except Exception as exc:
        problems.append(
            KeyProblem(
                "unreadable",
                f"Cannot read the JWT {label} key {location}: {type(exc).__name__}: {exc}",
                "Make the file readable by the user running Django (or fix the storage access).",
            )
        )
        return True, None


def diagnose_keys() -> list[KeyProblem]:
    """Everything wrong with the configured key pair (empty if it is usable).

    Reads the storages afresh (not the cache). Never raises for storage failures: a remote
    storage that cannot be reached is reported as a problem.
    """
    jwt_settings = get_jwt_settings()
    problems: list[KeyProblem] = []
    try:
        private_storage = get_private_key_storage()
        public_storage = get_public_key_storage()
    except ImproperlyConfigured as exc:
        return [
            KeyProblem("unreadable", str(exc), "Point JWT_*_KEY_STORAGE at a Storage instance.")
        ]
    private_name = jwt_settings.JWT_PRIVATE_KEY_PATH
    public_name = jwt_settings.JWT_PUBLIC_KEY_PATH

    private_exists, private_pem = _load_for_diagnosis(
        private_storage, private_name, "private", problems
    )
    public_exists, public_pem = _load_for_diagnosis(public_storage, public_name, "public", problems)

    missing = [
        describe_location(storage, name)
        for storage, name, exists in (
            (private_storage, private_name, private_exists),
            (public_storage, public_name, public_exists),
        )
        if not exists
    ]
    if missing:
        both_missing = not private_exists and not public_exists
        problems.append(
            KeyProblem(
                "missing",
                f"JWT key file missing: {', '.join(missing)}",
                # make_rsa alone leaves an existing half of the pair alone; --force replaces both.
                f"Run `{MAKE_RSA}` to create the key pair."
                if both_missing
                else f"Run `{MAKE_RSA_FORCE}` to replace the incomplete key pair.",
            )
        )

    private_key: rsa.RSAPrivateKey | None = None
    public_key: rsa.RSAPublicKey | None = None
    if private_pem is not None:
        try:
            private_key = _parse_private_key(private_pem)
        except Exception as exc:
            problems.append(
                KeyProblem(
                    "invalid",
                    f"{describe_location(private_storage, private_name)} is not an unencrypted "
                    f"PEM RSA private key: {exc}",
                    f"Run `{MAKE_RSA_FORCE}` to replace the key pair.",
                )
            )
    if public_pem is not None:
        try:
            public_key = _parse_public_key(public_pem)
        except Exception as exc:
            problems.append(
                KeyProblem(
                    "invalid",
                    f"{describe_location(public_storage, public_name)} is not a PEM RSA public "
                    f"key: {exc}",
                    f"Run `{MAKE_RSA_FORCE}` to replace the key pair.",
                )
            )
    if private_key is not None and private_key.key_size < RSA_KEY_SIZE:
        problems.append(
            KeyProblem(
                "invalid",
                f"The JWT private key has {private_key.key_size} bits; {ALGORITHM} needs at "
                f"least {RSA_KEY_SIZE}.",
                f"Run `{MAKE_RSA_FORCE}` to replace the key pair.",
            )
        )
    if (
        private_key is not None
        and public_key is not None
        and private_key.public_key().public_numbers() != public_key.public_numbers()
    ):
        problems.append(
            KeyProblem(
                "mismatch",
                "The JWT public key does not belong to the private key: every token would be "
                "rejected.",
                f"Run `{MAKE_RSA_FORCE}` to replace both keys with a matching pair.",
            )
        )

    if private_exists and os.name == "posix":
        problems.extend(_private_key_permission_problems(private_storage, private_name))
    return problems


def _private_key_permission_problems(storage: Storage, name: str) -> list[KeyProblem]:
    try:
        path = storage.path(name)
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (NotImplementedError, OSError):
        # Remote storages have no file mode; an unreadable file is reported elsewhere.
        return []
    if mode & 0o077:
        return [
            KeyProblem(
                "permissions",
                f"The JWT private key {path} has mode {mode:04o}: group or others can access it.",
                f"Run `chmod 600 {shlex.quote(path)}`.",
            )
        ]
    return []
