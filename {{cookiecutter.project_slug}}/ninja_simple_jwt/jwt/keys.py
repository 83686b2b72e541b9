"""The signing key pair and the previous public keys: generation, ``make_rsa``, rotation.

Keys live in the two configured Django storages (see ``key_storage``): the private key, the
public key, and, in the public storage, the previous-keys document that ``make_rsa --rotate``
keeps. Everything is written through the ``Storage`` API. This module also gathers the key
functions of ``key_ring`` (the loaded keys of this process) and ``diagnosis`` (the checks),
so ``ninja_simple_jwt.jwt.keys`` stays the one import for all of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from ninja_simple_jwt.jwt.diagnosis import KeyProblem, KeyProblemKind, diagnose_keys
from ninja_simple_jwt.jwt.jwk import (
    RSA_KEY_SIZE,
    RSA_PUBLIC_EXPONENT,
    PrivateKey,
    PublicKey,
    WrongKeyKindError,
    generate_private_key,
    key_id,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from ninja_simple_jwt.jwt.key_ring import (
    KeyCache,
    KeyRing,
    SigningKey,
    VerificationKey,
    clear_key_cache,
    find_verification_key,
    get_jwks,
    get_key_ring,
    get_signing_key,
    get_signing_key_with_id,
    get_verifying_key,
    key_cache,
)
from ninja_simple_jwt.jwt.key_storage import (
    MAKE_RSA_FORCE,
    describe_location,
    get_private_key_storage,
    get_public_key_storage,
    read_bytes,
)
from ninja_simple_jwt.jwt.previous_keys import (
    PreviousPublicKey,
    parse_previous_keys,
    serialize_previous_keys,
)
from ninja_simple_jwt.settings import JwtAlgorithm, JwtSettings, get_jwt_settings
from ninja_simple_jwt.storage import PRIVATE_KEY_FILE_MODE, ProjectRootStorage

__all__ = [
    "RSA_KEY_SIZE",
    "RSA_PUBLIC_EXPONENT",
    "KeyCache",
    "KeyPairExistsError",
    "KeyProblem",
    "KeyProblemKind",
    "KeyRing",
    "KeyRotationError",
    "KeyStorageError",
    "SavedKeyPair",
    "SigningKey",
    "VerificationKey",
    "clear_key_cache",
    "describe_location",
    "diagnose_keys",
    "find_verification_key",
    "generate_key_pair",
    "get_jwks",
    "get_key_ring",
    "get_private_key_storage",
    "get_public_key_storage",
    "get_signing_key",
    "get_signing_key_with_id",
    "get_verifying_key",
    "key_cache",
    "retention_period",
    "rotate_key_pair",
    "save_key_pair",
]


class KeyPairExistsError(Exception):
    """``save_key_pair(force=False)`` found a key already: replacing it would sign everyone out."""

    def __init__(self, existing_locations: list[str]) -> None:
        self.existing_locations = existing_locations
        super().__init__(f"JWT key files already exist: {', '.join(existing_locations)}")


class KeyStorageError(Exception):
    """A storage did not save a key under the configured name."""


class KeyRotationError(Exception):
    """``rotate_key_pair`` cannot keep the current key for verification; nothing was changed."""


@dataclass(frozen=True)
class SavedKeyPair:
    """What ``save_key_pair`` / ``rotate_key_pair`` did (locations are file paths on disk)."""

    private_key_location: str
    public_key_location: str
    algorithm: JwtAlgorithm = "RS256"
    kid: str = ""
    # Rotation only: the key that now only verifies, until retired_verifies_until.
    retired_kid: str | None = None
    retired_verifies_until: datetime | None = None
    previous_keys_location: str | None = None
    # Every key id in the previous-keys document after the change, and those dropped from it.
    previous_kids: tuple[str, ...] = ()
    dropped_kids: tuple[str, ...] = ()


def generate_key_pair(algorithm: JwtAlgorithm | None = None) -> tuple[bytes, bytes]:
    """A new key pair ``(private_pem, public_pem)`` for ``algorithm`` (default: the configured one).

    PKCS#8 and SubjectPublicKeyInfo PEM; RSA 2048 bits e=65537, EC P-256 or Ed25519.
    """
    private_key = generate_private_key(algorithm or get_jwt_settings().JWT_ALGORITHM)
    return private_key_pem(private_key), public_key_pem(private_key.public_key())


def retention_period(jwt_settings: JwtSettings) -> timedelta:
    """How long a retired key can still have live tokens: refresh + access lifetime + leeway."""
    return (
        jwt_settings.JWT_REFRESH_TOKEN_LIFETIME
        + jwt_settings.JWT_ACCESS_TOKEN_LIFETIME
        + jwt_settings.JWT_LEEWAY
    )


# --- Writing keys (make_rsa) ---


def _replace(storage: Storage, name: str, content: bytes, *, private: bool = False) -> str:
    """Save ``content`` as ``name`` (deleting what is there), return its location."""
    if storage.exists(name):
        storage.delete(name)
    # Deleted just above, so a storage that renames on conflict has no reason to.
    saved = storage.save(name, ContentFile(content))
    if (
        private
        and isinstance(storage, FileSystemStorage)
        and not isinstance(storage, ProjectRootStorage)
    ):
        # A plain FileSystemStorage applies FILE_UPLOAD_PERMISSIONS (often 0o644): tighten at once.
        os.chmod(storage.path(saved), PRIVATE_KEY_FILE_MODE)
    if saved != name:
        raise KeyStorageError(
            f"The storage saved {name!r} as {saved!r}; the app would not find it."
        )
    return describe_location(storage, saved)


def _write_new_pair(
    private_storage: Storage,
    public_storage: Storage,
    jwt_settings: JwtSettings,
    private_key: PrivateKey,
) -> tuple[str, str]:
    # The public key first: if a process reads the pair in between, the private key it finds
    # is the retiring one, which still verifies (rotation) or is refused (--force).
    public_location = _replace(
        public_storage, jwt_settings.JWT_PUBLIC_KEY_PATH, public_key_pem(private_key.public_key())
    )
    private_location = _replace(
        private_storage,
        jwt_settings.JWT_PRIVATE_KEY_PATH,
        private_key_pem(private_key),
        private=True,
    )
    return private_location, public_location


def save_key_pair(force: bool = False) -> SavedKeyPair:
    """Generate a key pair for ``JWT_ALGORITHM`` and save it through the configured storages.

    Without ``force``, raises ``KeyPairExistsError`` if either key exists and changes nothing.
    With ``force``, replaces both and forgets the previous keys (every token signed by the old
    keys stops working).
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

    # Generate before touching storage, so a failure here leaves the old pair in place.
    private_key = generate_private_key(jwt_settings.JWT_ALGORITHM)
    try:
        private_location, public_location = _write_new_pair(
            private_storage, public_storage, jwt_settings, private_key
        )
        if force and public_storage.exists(jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH):
            public_storage.delete(jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH)
    finally:
        clear_key_cache()
    return SavedKeyPair(
        private_key_location=private_location,
        public_key_location=public_location,
        algorithm=jwt_settings.JWT_ALGORITHM,
        kid=key_id(private_key.public_key()),
    )


def _current_public_key(storage: Storage, jwt_settings: JwtSettings) -> PublicKey | None:
    name = jwt_settings.JWT_PUBLIC_KEY_PATH
    if not storage.exists(name):
        return None
    location = describe_location(storage, name)
    try:
        return load_public_key(read_bytes(storage, name), jwt_settings.JWT_ALGORITHM)
    except WrongKeyKindError as exc:
        raise KeyRotationError(
            f"The current public key {location} cannot be kept: {exc}. Keys cannot be rotated "
            f"to another algorithm; run `{MAKE_RSA_FORCE}` (this signs every user out)."
        ) from exc
    except Exception as exc:
        raise KeyRotationError(
            f"Cannot read the current public key {location}: {type(exc).__name__}: {exc}. "
            f"Fix it, or replace the keys with `{MAKE_RSA_FORCE}` (this signs every user out)."
        ) from exc


def _stored_previous_keys(
    storage: Storage, jwt_settings: JwtSettings
) -> tuple[PreviousPublicKey, ...]:
    name = jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    if not storage.exists(name):
        return ()
    try:
        return parse_previous_keys(read_bytes(storage, name), jwt_settings.JWT_ALGORITHM)
    except Exception as exc:
        raise KeyRotationError(
            f"Cannot use the previous-keys document {describe_location(storage, name)}: {exc} "
            "Fix it or delete it (tokens signed by the keys in it then stop working)."
        ) from exc


def rotate_key_pair() -> SavedKeyPair:
    """Make a new signing key pair and keep the current public key for verification.

    The current public key joins the previous-keys document with its retirement time; previous
    keys retired longer ago than ``retention_period`` are dropped (no live token can need them).
    Tokens signed before keep working; new ones carry the new ``kid``. With no key pair yet,
    this creates one. Raises ``KeyRotationError`` (changing nothing) if the current key or the
    document cannot be read, or the key is of another algorithm's kind.
    """
    jwt_settings = get_jwt_settings()
    private_storage = get_private_key_storage()
    public_storage = get_public_key_storage()
    previous_name = jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH

    current_public_key = _current_public_key(public_storage, jwt_settings)
    stored = _stored_previous_keys(public_storage, jwt_settings)
    now = datetime.now(UTC)
    retention = retention_period(jwt_settings)

    private_key = generate_private_key(jwt_settings.JWT_ALGORITHM)
    new_kid = key_id(private_key.public_key())
    retired = (
        None
        if current_public_key is None
        else PreviousPublicKey.retire(current_public_key, retired_at=now)
    )
    retired_kid = None if retired is None else retired.kid
    kept = [
        key
        for key in stored
        if key.retired_at + retention > now and key.kid not in (new_kid, retired_kid)
    ]
    dropped = tuple(key.kid for key in stored if key.retired_at + retention <= now)
    if retired is not None and retired.kid != new_kid:
        kept.append(retired)

    try:
        # The previous keys first: the retiring key verifies at every moment of the change.
        if kept:
            previous_location = _replace(
                public_storage, previous_name, serialize_previous_keys(kept)
            )
        else:
            if public_storage.exists(previous_name):
                public_storage.delete(previous_name)
            previous_location = describe_location(public_storage, previous_name)
        private_location, public_location = _write_new_pair(
            private_storage, public_storage, jwt_settings, private_key
        )
    finally:
        clear_key_cache()
    return SavedKeyPair(
        private_key_location=private_location,
        public_key_location=public_location,
        algorithm=jwt_settings.JWT_ALGORITHM,
        kid=new_kid,
        retired_kid=retired_kid,
        retired_verifies_until=None if retired is None else now + retention,
        previous_keys_location=previous_location,
        previous_kids=tuple(key.kid for key in sorted(kept, key=lambda key: key.retired_at)),
        dropped_kids=dropped,
    )
