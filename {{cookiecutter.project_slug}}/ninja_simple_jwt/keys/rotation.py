"""Writing keys: a new pair (``make_jwt_key``, ``--force``) and rotation (``--rotate``).

Rotation keeps each retired public key in the previous-keys document (see ``storage``) until
no token it signed can be alive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.files.storage import Storage
from ninja_simple_jwt.conf import Algorithm, JwtSettings, get_jwt_settings
from ninja_simple_jwt.errors import MAKE_KEYS_FORCE
from ninja_simple_jwt.keys.algorithms import (
    PrivateKey,
    PublicKey,
    WrongKeyKindError,
    generate_private_key,
    key_id,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from ninja_simple_jwt.keys.cache import key_cache
from ninja_simple_jwt.keys.storage import (
    RetiredKey,
    describe_location,
    key_storage,
    parse_previous_keys,
    read_bytes,
    replace_file,
    serialize_previous_keys,
)

__all__ = [
    "KeyPairExistsError",
    "KeyRotationError",
    "SavedKeyPair",
    "rotate_key_pair",
    "save_key_pair",
]


class KeyPairExistsError(Exception):
    """A key exists already: replacing it without ``force`` would sign everyone out."""

    def __init__(self, locations: list[str]) -> None:
        self.locations = locations
        super().__init__(f"JWT key files already exist: {', '.join(locations)}")


class KeyRotationError(Exception):
    """The current key or the previous-keys document cannot be kept; nothing was changed."""


@dataclass(frozen=True)
class SavedKeyPair:
    """What ``save_key_pair`` / ``rotate_key_pair`` did, for the command to report."""

    algorithm: Algorithm
    kid: str
    private_key_location: str
    public_key_location: str
    retired: RetiredKey | None = None
    retired_verifies_until: datetime | None = None
    kept_kids: tuple[str, ...] = field(default=())
    dropped_kids: tuple[str, ...] = field(default=())


def _write_pair(jwt_settings: JwtSettings, private_key: PrivateKey) -> tuple[str, str]:
    # The public key first: a process reading the pair in between finds the retiring private
    # key, which still verifies (rotation) or is refused as a mismatch (--force).
    public = replace_file(
        key_storage("public"),
        jwt_settings.JWT_PUBLIC_KEY_PATH,
        public_key_pem(private_key.public_key()),
    )
    private = replace_file(
        key_storage("private"),
        jwt_settings.JWT_PRIVATE_KEY_PATH,
        private_key_pem(private_key),
        private=True,
    )
    return private, public


def save_key_pair(force: bool = False) -> SavedKeyPair:
    """A new key pair for ``JWT_ALGORITHM``, saved through the two storages.

    Without ``force``, ``KeyPairExistsError`` if either key exists (nothing changes). With it,
    both are replaced and the previous keys forgotten: every issued token stops working.
    """
    jwt_settings = get_jwt_settings()
    targets = (
        (key_storage("private"), jwt_settings.JWT_PRIVATE_KEY_PATH),
        (key_storage("public"), jwt_settings.JWT_PUBLIC_KEY_PATH),
    )
    existing = [
        describe_location(storage, name) for storage, name in targets if storage.exists(name)
    ]
    if existing and not force:
        raise KeyPairExistsError(existing)
    private_key = generate_private_key(jwt_settings.JWT_ALGORITHM)
    try:
        private, public = _write_pair(jwt_settings, private_key)
        previous_storage = key_storage("public")
        if force and previous_storage.exists(jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH):
            previous_storage.delete(jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH)
    finally:
        key_cache.clear()
    return SavedKeyPair(
        jwt_settings.JWT_ALGORITHM, key_id(private_key.public_key()), private, public
    )


def _read_for_rotation(
    storage: Storage, jwt_settings: JwtSettings
) -> tuple[PublicKey | None, tuple[RetiredKey, ...]]:
    """The current public key and the previous keys; ``KeyRotationError`` if either is unusable."""
    algorithm = jwt_settings.JWT_ALGORITHM
    current: PublicKey | None = None
    name = jwt_settings.JWT_PUBLIC_KEY_PATH
    location = describe_location(storage, name)
    try:
        if storage.exists(name):
            current = load_public_key(read_bytes(storage, name), algorithm)
    except WrongKeyKindError as exc:
        raise KeyRotationError(
            f"The current public key {location} cannot be kept: {exc}. Keys cannot be rotated "
            f"to another algorithm; run `{MAKE_KEYS_FORCE}` (this signs every user out)."
        ) from exc
    except Exception as exc:
        raise KeyRotationError(
            f"Cannot read the current public key {location}: {type(exc).__name__}: {exc}. "
            f"Fix it, or replace the keys with `{MAKE_KEYS_FORCE}` (this signs every user out)."
        ) from exc
    name = jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    try:
        previous = (
            parse_previous_keys(read_bytes(storage, name), algorithm)
            if storage.exists(name)
            else ()
        )
    except Exception as exc:
        raise KeyRotationError(
            f"Cannot use the previous-keys document {describe_location(storage, name)}: {exc} "
            "Fix it or delete it (tokens signed by the keys in it then stop working)."
        ) from exc
    return current, previous


def rotate_key_pair() -> SavedKeyPair:
    """A new signing key pair; the current public key keeps verifying what it signed.

    It joins the previous keys with its retirement time; previous keys retired longer ago than
    the retention period (refresh + access lifetime + leeway) are dropped. With no key pair
    yet, this creates one. ``KeyRotationError`` (nothing changed) if the current key or the
    document cannot be read or is of another algorithm's kind.
    """
    jwt_settings = get_jwt_settings()
    public_storage = key_storage("public")
    current, stored = _read_for_rotation(public_storage, jwt_settings)
    now = datetime.now(UTC)
    retention = jwt_settings.retention_period
    private_key = generate_private_key(jwt_settings.JWT_ALGORITHM)
    new_kid = key_id(private_key.public_key())
    retired = None if current is None else RetiredKey(key_id(current), current, now)
    alive = [key for key in stored if key.retired_at + retention > now]
    kept = [key for key in alive if retired is None or key.kid != retired.kid]
    if retired is not None and retired.kid != new_kid:
        kept.append(retired)
    previous_name = jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    try:
        # The previous keys first: the retiring key verifies at every moment of the change.
        if kept:
            replace_file(public_storage, previous_name, serialize_previous_keys(kept))
        elif public_storage.exists(previous_name):
            public_storage.delete(previous_name)
        private, public = _write_pair(jwt_settings, private_key)
    finally:
        key_cache.clear()
    return SavedKeyPair(
        jwt_settings.JWT_ALGORITHM,
        new_kid,
        private,
        public,
        retired=retired,
        retired_verifies_until=None if retired is None else now + retention,
        kept_kids=tuple(key.kid for key in kept),
        dropped_kids=tuple(key.kid for key in stored if key.retired_at + retention <= now),
    )
