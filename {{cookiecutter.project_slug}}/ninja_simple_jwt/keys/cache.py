"""The keys of this process: read once, looked up by ``kid``, reloaded after a rotation.

Verification picks a key by the token's ``kid`` with one dict lookup: no storage, settings or
key parsing per request. A ``kid`` that is not loaded makes the process reload the keys from
storage, at most once per ``JWT_UNKNOWN_KID_RELOAD_INTERVAL``: a process that was not restarted
after ``make_jwt_key --rotate`` accepts (and starts signing with) the new key, and a flood of
made-up key ids costs one storage read per interval. Signing and the JWK Set re-read the keys
when they are older than ``JWT_KEY_RELOAD_INTERVAL``, so every process signs with a rotated key
within that interval; if the storage cannot be read then, signing answers 503 (the key may have
been replaced) while verification goes on with the keys in memory. ``key_cache.clear()``
forgets everything (``make_jwt_key`` and changes of ``NINJA_SIMPLE_JWT`` call it).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from ninja_simple_jwt.conf import Algorithm, get_jwt_settings
from ninja_simple_jwt.errors import MAKE_KEYS_FORCE, KeysUnavailableError
from ninja_simple_jwt.keys.algorithms import (
    PrivateKey,
    PublicKey,
    key_id,
    load_private_key,
    load_public_key,
    public_jwk,
)
from ninja_simple_jwt.keys.storage import key_storage, parse_previous_keys, read_bytes

__all__ = ["KeyCache", "KeyRing", "SigningKey", "key_cache"]

logger = logging.getLogger("ninja_simple_jwt")


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs new tokens, and the ``kid`` written into their header."""

    kid: str
    private_key: PrivateKey
    algorithm: Algorithm


@dataclass(frozen=True)
class KeyRing:
    """The public keys loaded from storage: the current one first, then the previous ones."""

    algorithm: Algorithm
    current_kid: str
    by_kid: Mapping[str, PublicKey]
    # When it was loaded, on KeyCache.clock.
    loaded_at: float
    # The JWK Set (RFC 7517) of every key here, serialized once.
    jwks: bytes = field(init=False)

    def __post_init__(self) -> None:
        keys = [public_jwk(key, self.algorithm) for key in self.by_kid.values()]
        object.__setattr__(self, "jwks", json.dumps({"keys": keys}).encode())


def _read_key_ring(loaded_at: float) -> KeyRing:
    """The public key and the previous keys from storage; raises if the public key fails."""
    jwt_settings = get_jwt_settings()
    algorithm = jwt_settings.JWT_ALGORITHM
    storage = key_storage("public")
    current = load_public_key(read_bytes(storage, jwt_settings.JWT_PUBLIC_KEY_PATH), algorithm)
    keys = {key_id(current): current}
    name = jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    try:
        if storage.exists(name):
            for retired in parse_previous_keys(read_bytes(storage, name), algorithm):
                keys.setdefault(retired.kid, retired.public_key)
    except Exception as exc:
        # A broken document must not take the current key down: tokens of the previous keys
        # are refused until it is fixed, and `manage.py check` reports it.
        logger.error("Ignoring the JWT previous-keys document %r: %s", name, exc)
    return KeyRing(algorithm, key_id(current), MappingProxyType(keys), loaded_at)


class KeyCache:
    """The keys of this process, replaced as a whole (readers take no lock).

    ``clock`` (``time.monotonic``) times the reloads; tests may replace it.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.clock: Callable[[], float] = time.monotonic
        self._key_ring: KeyRing | None = None
        self._signing_key: SigningKey | None = None
        self._last_unknown_kid_reload: float | None = None
        self._failed_reload: float | None = None

    def clear(self) -> None:
        with self._lock:
            self._key_ring = None
            self._signing_key = None
            self._last_unknown_kid_reload = None
            self._failed_reload = None

    def _stale(self, key_ring: KeyRing) -> bool:
        interval = get_jwt_settings().JWT_KEY_RELOAD_INTERVAL.total_seconds()
        return self.clock() - key_ring.loaded_at >= interval

    def _reload(self) -> KeyRing:
        """Read and install the keys; ``KeysUnavailableError`` (503) if the public key fails."""
        try:
            key_ring = _read_key_ring(self.clock())
        except Exception as exc:
            # Any storage error (disk, S3, ...) or parse error: answer 503 and log the cause.
            logger.error("Cannot load the JWT public key: %s: %s", type(exc).__name__, exc)
            raise KeysUnavailableError() from exc
        self._key_ring = key_ring
        if self._signing_key is not None and self._signing_key.kid != key_ring.current_kid:
            self._signing_key = None  # rotated: sign with the new private key from now on
        return key_ring

    def key_ring(self) -> KeyRing:
        """The loaded keys, read from storage on first use (failures are not cached)."""
        key_ring = self._key_ring
        if key_ring is not None:
            return key_ring
        with self._lock:
            return self._key_ring or self._reload()

    def find(self, kid: str) -> PublicKey | None:
        """The public key of this ``kid``; an unknown one reloads from storage, rate-limited."""
        key = self.key_ring().by_kid.get(kid)
        if key is not None:
            return key
        with self._lock:
            key = self.key_ring().by_kid.get(kid)
            if key is not None:  # another thread reloaded meanwhile
                return key
            now = self.clock()
            interval = get_jwt_settings().JWT_UNKNOWN_KID_RELOAD_INTERVAL.total_seconds()
            last = self._last_unknown_kid_reload
            if last is not None and now - last < interval:
                return None
            self._last_unknown_kid_reload = now
            try:
                return self._reload().by_kid.get(kid)
            except KeysUnavailableError:
                return None  # keep the keys that worked; the failure is logged

    def jwks(self) -> bytes:
        """The JWK Set, reloaded first when older than the reload interval.

        A process that was not restarted publishes a rotated key within one interval. A failed
        reload keeps the old keys and waits an interval before trying again.
        """
        key_ring = self.key_ring()
        if not self._stale(key_ring):
            return key_ring.jwks
        with self._lock:
            try:
                return self._reload().jwks
            except KeysUnavailableError:
                self._key_ring = replace(key_ring, loaded_at=self.clock())
                return key_ring.jwks

    def signing_key(self) -> SigningKey:
        """The private key and its kid, read from storage on first use.

        Kept only while it pairs with the current public key. Mid-rotation (the new public key
        written, the new private key not yet) the retiring private key still signs, since its
        public key is among the previous keys, and is read again next time. A private key whose
        public key is nowhere among the verification keys is a 503: no one would accept its
        tokens.
        """
        signing_key, key_ring = self._signing_key, self._key_ring
        if signing_key is not None and key_ring is not None and not self._stale(key_ring):
            return signing_key
        with self._lock:
            if self._key_ring is None or self._stale(self._key_ring):
                self._reload_for_signing()
            if self._signing_key is not None:
                return self._signing_key
            jwt_settings = get_jwt_settings()
            algorithm = jwt_settings.JWT_ALGORITHM
            try:
                pem = read_bytes(key_storage("private"), jwt_settings.JWT_PRIVATE_KEY_PATH)
                private_key = load_private_key(pem, algorithm)
            except Exception as exc:
                logger.error("Cannot load the JWT private key: %s: %s", type(exc).__name__, exc)
                raise KeysUnavailableError() from exc
            signing_key = SigningKey(key_id(private_key.public_key()), private_key, algorithm)
            key_ring = self.key_ring()
            if signing_key.kid != key_ring.current_kid:
                key_ring = self._reload()  # loaded before this private key: maybe pre-rotation
            if signing_key.kid == key_ring.current_kid:
                self._signing_key = signing_key
            elif signing_key.kid not in key_ring.by_kid:
                logger.error(
                    "The JWT private key does not belong to the public key; run `%s`.",
                    MAKE_KEYS_FORCE,
                )
                raise KeysUnavailableError()
            return signing_key

    def _reload_for_signing(self) -> None:
        """Re-read the keys (a rotation elsewhere); if that fails, sign nothing for a second."""
        now = self.clock()
        if self._failed_reload is not None and now - self._failed_reload < 1.0:
            raise KeysUnavailableError()
        try:
            self._reload()
        except KeysUnavailableError:
            self._failed_reload = now
            raise
        self._failed_reload = None


# The keys of this process.
key_cache = KeyCache()
