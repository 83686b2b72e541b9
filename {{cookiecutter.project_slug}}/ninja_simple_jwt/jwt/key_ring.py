"""The keys of a running process: loaded once, looked up by ``kid``, reloaded when rotated.

Each process reads and parses the keys once; verification then picks a key by the token's
``kid`` with one dict lookup (no storage, settings or key parsing per request). A ``kid``
that is not loaded makes the process reload the keys from storage, at most once per
``JWT_UNKNOWN_KID_RELOAD_INTERVAL``: a process that was not restarted after
``make_rsa --rotate`` accepts (and starts signing with) the new key, and a flood of made-up
key ids costs one storage read per interval. ``clear_key_cache()`` forgets everything
(``make_rsa`` and changes of ``NINJA_SIMPLE_JWT`` call it).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Final

from django.core.files.storage import Storage
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.jwt.jwk import (
    PrivateKey,
    PublicKey,
    key_id,
    load_private_key,
    load_public_key,
    public_jwk,
)
from ninja_simple_jwt.jwt.key_storage import (
    MAKE_RSA_FORCE,
    get_private_key_storage,
    get_public_key_storage,
    read_bytes,
)
from ninja_simple_jwt.jwt.previous_keys import parse_previous_keys
from ninja_simple_jwt.settings import JwtAlgorithm, JwtSettings, get_jwt_settings

__all__ = [
    "KeyCache",
    "KeyRing",
    "SigningKey",
    "VerificationKey",
    "clear_key_cache",
    "find_verification_key",
    "get_jwks",
    "get_key_ring",
    "get_signing_key",
    "get_signing_key_with_id",
    "get_verifying_key",
    "key_cache",
]

logger = logging.getLogger("ninja_simple_jwt")


@dataclass(frozen=True)
class VerificationKey:
    """A public key that verifies tokens whose ``kid`` header is ``kid``."""

    kid: str
    public_key: PublicKey
    # None for the current key; when make_rsa --rotate retired it, for a previous key.
    retired_at: datetime | None = None


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs new tokens, and the ``kid`` written into their header."""

    kid: str
    private_key: PrivateKey
    algorithm: JwtAlgorithm


@dataclass(frozen=True)
class KeyRing:
    """The verification keys loaded from storage: the current one and the previous ones."""

    algorithm: JwtAlgorithm
    current: VerificationKey
    previous: tuple[VerificationKey, ...]
    # When it was loaded, on KeyCache.clock.
    loaded_at: float
    by_kid: Mapping[str, VerificationKey] = field(init=False)
    # The JWK Set (RFC 7517) of every key here, serialized once.
    jwks: bytes = field(init=False)

    def __post_init__(self) -> None:
        keys = (self.current, *(key for key in self.previous if key.kid != self.current.kid))
        object.__setattr__(self, "by_kid", MappingProxyType({key.kid: key for key in keys}))
        document = {"keys": [public_jwk(key.public_key, self.algorithm) for key in keys]}
        object.__setattr__(self, "jwks", json.dumps(document).encode())


def _load_previous_keys(
    storage: Storage, name: str, algorithm: JwtAlgorithm
) -> tuple[VerificationKey, ...]:
    """The previous keys; none (and an error in the log) if the document is unusable.

    A broken document must not take the current key down with it: tokens signed by the
    previous keys are refused until it is fixed, and ``manage.py check`` reports it.
    """
    try:
        if not storage.exists(name):
            return ()
        previous = parse_previous_keys(read_bytes(storage, name), algorithm)
    except Exception as exc:
        logger.error("Ignoring the JWT previous-keys document %r: %s", name, exc)
        return ()
    return tuple(VerificationKey(key.kid, key.public_key, key.retired_at) for key in previous)


def _read_key_ring(jwt_settings: JwtSettings, loaded_at: float) -> KeyRing:
    """Read the public key and the previous keys from storage; raises if the public key fails."""
    algorithm = jwt_settings.JWT_ALGORITHM
    storage = get_public_key_storage()
    public_key = load_public_key(read_bytes(storage, jwt_settings.JWT_PUBLIC_KEY_PATH), algorithm)
    previous = _load_previous_keys(storage, jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH, algorithm)
    return KeyRing(
        algorithm=algorithm,
        current=VerificationKey(key_id(public_key), public_key),
        previous=previous,
        loaded_at=loaded_at,
    )


class KeyCache:
    """The keys of this process, loaded once and replaced as a whole (readers take no lock).

    ``clock`` (``time.monotonic``) times the reloads; tests may replace it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.clock: Callable[[], float] = time.monotonic
        self._key_ring: KeyRing | None = None
        self._signing_key: SigningKey | None = None
        self._last_unknown_kid_reload: float | None = None

    def clear(self) -> None:
        with self._lock:
            self._key_ring = None
            self._signing_key = None
            self._last_unknown_kid_reload = None

    def _load(self) -> KeyRing:
        """Read the key ring from storage; ``KeysUnavailableError`` if the public key fails."""
        jwt_settings = get_jwt_settings()
        try:
            return _read_key_ring(jwt_settings, self.clock())
        except Exception as exc:
            # Any storage backend error (disk, S3, ...) or parse error: answer 503, log the cause.
            logger.error(
                "Cannot load the JWT public key %r: %s", jwt_settings.JWT_PUBLIC_KEY_PATH, exc
            )
            raise KeysUnavailableError() from exc

    def _install(self, key_ring: KeyRing) -> None:
        self._key_ring = key_ring
        signing_key = self._signing_key
        if signing_key is not None and signing_key.kid != key_ring.current.kid:
            # The key pair was rotated: sign with the new private key from now on.
            self._signing_key = None

    def key_ring(self) -> KeyRing:
        """The loaded keys, read from storage on first use (failures are not cached)."""
        key_ring = self._key_ring
        if key_ring is not None:
            return key_ring
        with self._lock:
            key_ring = self._key_ring
            if key_ring is None:
                key_ring = self._load()
                self._install(key_ring)
            return key_ring

    def find(self, kid: str) -> VerificationKey | None:
        """The key with this ``kid``; an unknown one reloads from storage, rate-limited."""
        key = self.key_ring().by_kid.get(kid)
        if key is not None:
            return key
        with self._lock:
            key_ring = self.key_ring()
            key = key_ring.by_kid.get(kid)
            if key is not None:  # another thread reloaded meanwhile
                return key
            now = self.clock()
            interval = get_jwt_settings().JWT_UNKNOWN_KID_RELOAD_INTERVAL.total_seconds()
            last = self._last_unknown_kid_reload
            if last is not None and now - last < interval:
                return None
            # Measured from this reload, not from process start: the first unknown kid after
            # a rotation always reloads, and any flood of made-up kids costs one read per interval.
            self._last_unknown_kid_reload = now
            try:
                key_ring = self._load()
            except KeysUnavailableError:
                return None  # keep the keys that worked; the failure is logged
            self._install(key_ring)
            return key_ring.by_kid.get(kid)

    def fresh_key_ring(self) -> KeyRing:
        """The key ring, reloaded first if it is older than the reload interval.

        For the JWK Set: a process that was not restarted publishes a rotated key within one
        interval. A failed reload keeps the old keys (and waits an interval before retrying).
        """
        key_ring = self.key_ring()
        interval = get_jwt_settings().JWT_UNKNOWN_KID_RELOAD_INTERVAL.total_seconds()
        if self.clock() - key_ring.loaded_at < interval:
            return key_ring
        with self._lock:
            key_ring = self.key_ring()
            now = self.clock()
            if now - key_ring.loaded_at < interval:
                return key_ring
            try:
                key_ring = self._load()
            except KeysUnavailableError:
                key_ring = replace(key_ring, loaded_at=now)
            self._install(key_ring)
            return key_ring

    def signing_key(self) -> SigningKey:
        """The private key and its kid, read from storage on first use.

        Cached only while it is the pair of the current public key. During a rotation (the new
        public key written, the new private key not yet) the retiring private key still signs,
        since its public key is among the previous keys, and is read again next time. A private
        key whose public key is nowhere among the verification keys is a 503: its tokens would
        be refused everywhere.
        """
        signing_key = self._signing_key
        if signing_key is not None:
            return signing_key
        with self._lock:
            if self._signing_key is not None:
                return self._signing_key
            jwt_settings = get_jwt_settings()
            algorithm = jwt_settings.JWT_ALGORITHM
            try:
                private_key = load_private_key(
                    read_bytes(get_private_key_storage(), jwt_settings.JWT_PRIVATE_KEY_PATH),
                    algorithm,
                )
            except Exception as exc:
                logger.error(
                    "Cannot load the JWT private key %r: %s", jwt_settings.JWT_PRIVATE_KEY_PATH, exc
                )
                raise KeysUnavailableError() from exc
            signing_key = SigningKey(key_id(private_key.public_key()), private_key, algorithm)
            key_ring = self.key_ring()
            if signing_key.kid != key_ring.current.kid:
                # Loaded earlier than this private key: maybe from before a rotation.
                key_ring = self._load()
                self._install(key_ring)
            if signing_key.kid == key_ring.current.kid:
                self._signing_key = signing_key
            elif signing_key.kid not in key_ring.by_kid:
                logger.error(
                    "The JWT private key %r does not belong to the public key %r; "
                    "run `%s` to replace both.",
                    jwt_settings.JWT_PRIVATE_KEY_PATH,
                    jwt_settings.JWT_PUBLIC_KEY_PATH,
                    MAKE_RSA_FORCE,
                )
                raise KeysUnavailableError()
            return signing_key


# The keys of this process.
key_cache: Final = KeyCache()


def get_signing_key_with_id() -> SigningKey:
    """The private key that signs tokens and its kid; ``KeysUnavailableError`` (503) if unusable."""
    return key_cache.signing_key()


def get_signing_key() -> PrivateKey:
    """The private key that signs tokens; ``KeysUnavailableError`` (503) if it is unusable."""
    return key_cache.signing_key().private_key


def get_key_ring() -> KeyRing:
    """The verification keys; ``KeysUnavailableError`` (503) if the public key is unusable."""
    return key_cache.key_ring()


def get_verifying_key() -> PublicKey:
    """The current public key; ``KeysUnavailableError`` (503) if it is unusable."""
    return key_cache.key_ring().current.public_key


def find_verification_key(kid: str) -> VerificationKey | None:
    """The verification key for a token's ``kid``, or ``None`` (after a rate-limited reload)."""
    return key_cache.find(kid)


def get_jwks() -> bytes:
    """The JWK Set of the current and previous public keys, as JSON bytes."""
    return key_cache.fresh_key_ring().jwks


def clear_key_cache() -> None:
    """Forget the loaded keys; the next token operation reads them from storage again."""
    key_cache.clear()
