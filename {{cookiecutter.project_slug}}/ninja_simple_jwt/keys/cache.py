"""The keys of this process: read once, looked up by ``kid``, read again after a rotation.

Verification picks a key by the token's ``kid`` with one dict lookup: no storage, settings or
key parsing per request. One interval, ``JWT_KEY_RELOAD_INTERVAL``, bounds every reload:

- signing and the JWK Set reload the keys once they are that old, so every process signs with
  and publishes a key rotated elsewhere within one interval;
- a ``kid`` that is not loaded reloads them at once, then not again for an interval: a process
  that was not restarted accepts the new key, and a flood of made-up kids costs one read;
- after a failed reload the keys in memory still verify and make the JWK Set, and signing
  answers 503 (the key may have been replaced) until the next attempt, an interval later.

A clock that went back counts as an interval passed. ``clear()`` (``make_jwt_key``, a change
of ``NINJA_SIMPLE_JWT`` or ``STORAGES``) forgets everything.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from ninja_simple_jwt.conf import Algorithm, get_jwt_settings
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.keys.algorithms import PrivateKey, PublicKey, key_id, public_jwk
from ninja_simple_jwt.keys.reader import (
    KeyMaterialError,
    read_previous_keys,
    read_private_key,
    read_public_key,
    replace_keys_hint,
)

__all__ = ["key_cache"]

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
    # When they were last read from storage, or a reload was last attempted.
    loaded_at: float
    # The last reload failed: sign nothing until the next one succeeds.
    failed: bool = False
    # The JWK Set (RFC 7517) of every key here, serialized once.
    jwks: bytes = field(init=False)

    def __post_init__(self) -> None:
        keys = [public_jwk(key, self.algorithm) for key in self.by_kid.values()]
        object.__setattr__(self, "jwks", json.dumps({"keys": keys}).encode())


def _due(since: float | None) -> bool:
    """Whether a reload interval has passed since ``since`` (or the clock went back before it)."""
    interval = get_jwt_settings().JWT_KEY_RELOAD_INTERVAL.total_seconds()
    return since is None or not 0 <= time.time() - since < interval


class KeyCache:
    """The keys of this process, replaced as a whole (readers take no lock)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._key_ring: KeyRing | None = None
        self._signing_key: SigningKey | None = None
        self._unknown_kid_reload_at: float | None = None

    def clear(self) -> None:
        with self._lock:
            self._key_ring = None
            self._signing_key = None
            self._unknown_kid_reload_at = None

    def _reload(self) -> KeyRing:
        """Read and install the keys; ``KeysUnavailableError`` (503) if the public key fails,
        after which the keys in memory, if any, wait an interval for the next attempt."""
        try:
            current = read_public_key()
        except KeyMaterialError as exc:
            logger.error("%s", exc)
            if self._key_ring is not None:
                self._key_ring = replace(self._key_ring, loaded_at=time.time(), failed=True)
            raise KeysUnavailableError() from exc
        keys = {key_id(current): current}
        try:
            for retired in read_previous_keys():
                keys.setdefault(retired.kid, retired.public_key)
        except KeyMaterialError as exc:
            # The current key stays up: only the previous keys' tokens are refused until it is
            # fixed, and `manage.py check` reports it.
            logger.error("%s The previous keys are ignored.", exc)
        algorithm = get_jwt_settings().JWT_ALGORITHM
        key_ring = KeyRing(algorithm, key_id(current), MappingProxyType(keys), time.time())
        self._key_ring = key_ring
        if self._signing_key is not None and self._signing_key.kid != key_ring.current_kid:
            self._signing_key = None  # rotated: sign with the new private key from now on
        return key_ring

    def key_ring(self, fresh: bool = False) -> KeyRing:
        """The loaded keys, read on first use (a failure is not kept); if ``fresh``, reloaded
        first once an interval old (``KeysUnavailableError`` if that fails)."""
        key_ring = self._key_ring
        if key_ring is None or (fresh and _due(key_ring.loaded_at)):
            with self._lock:
                key_ring = self._key_ring
                if key_ring is None or (fresh and _due(key_ring.loaded_at)):
                    key_ring = self._reload()
        return key_ring

    def find(self, kid: str) -> PublicKey | None:
        """The public key of this ``kid``; an unknown one reloads from storage, rate-limited."""
        key = self.key_ring().by_kid.get(kid)
        if key is not None:
            return key
        with self._lock:
            key = self.key_ring().by_kid.get(kid)
            if key is not None or not _due(self._unknown_kid_reload_at):
                return key  # found after another thread's reload, or reloaded too recently
            self._unknown_kid_reload_at = time.time()
            try:
                return self._reload().by_kid.get(kid)
            except KeysUnavailableError:
                return None  # verify with the keys that worked; the failure is logged

    def jwks(self) -> bytes:
        """The JWK Set; after a failed reload, that of the keys in memory."""
        try:
            return self.key_ring(fresh=True).jwks
        except KeysUnavailableError:
            if self._key_ring is None:
                raise
            return self._key_ring.jwks

    def signing_key(self) -> SigningKey:
        """The private key and its kid, read on first use and kept while it pairs with the
        current public key. Mid-rotation (new public key, old private key) the retiring key still
        signs, as its public key is a previous key, and is read again next time. A private key
        whose public key is nowhere here is a 503: no one would accept its tokens."""
        key_ring = self.key_ring(fresh=True)
        if key_ring.failed:
            raise KeysUnavailableError()
        signing_key = self._signing_key
        if signing_key is not None:
            return signing_key
        with self._lock:
            try:
                private_key = read_private_key()
            except KeyMaterialError as exc:
                logger.error("%s", exc)
                raise KeysUnavailableError() from exc
            kid = key_id(private_key.public_key())
            signing_key = SigningKey(kid, private_key, key_ring.algorithm)
            if kid != key_ring.current_kid:
                key_ring = self._reload()  # loaded before this private key: maybe pre-rotation
            if kid == key_ring.current_kid:
                self._signing_key = signing_key
            elif kid not in key_ring.by_kid:
                logger.error("The JWT private key has no public key here. %s", replace_keys_hint())
                raise KeysUnavailableError()
            return signing_key


# The keys of this process.
key_cache = KeyCache()
