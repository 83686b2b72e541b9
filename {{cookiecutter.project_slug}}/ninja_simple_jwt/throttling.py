"""Sign-in throttling per client and per account, counted in Django's default cache.

- Per client (``SIGN_IN_THROTTLE_RATE``): every attempt at sign-in or password change, as a
  django-ninja throttle (clients told apart by its ``NINJA_NUM_PROXIES``).
- Per account (``SIGN_IN_ACCOUNT_THROTTLE_RATE``): failed attempts for one account from any
  client, so a botnet spraying one account is slowed too. A rate, not a lock: the oldest
  failure leaves the window, and the owner can sign in again.

Counts are sliding windows of attempt times, shared by every worker when the cache is (Redis or
the database in production); each update holds a lock taken with the atomic ``cache.add``. If
the cache fails, attempts are let through and logged: failing closed would lock everyone out.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle, SimpleRateThrottle
from ninja_simple_jwt.audit import audit
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import TooManyAttemptsError

__all__ = ["SignInRateThrottle", "account_attempts"]

logger = logging.getLogger("ninja_simple_jwt")


class RateCounter:
    """At most ``rate`` (django-ninja's syntax: "10/min", "30/5m") events per key and window."""

    def __init__(self, scope: str, rate: str) -> None:
        self.scope = scope
        limit, duration = SimpleRateThrottle(rate).parse_rate(rate)
        self.limit, self.duration = limit or 1, duration or 1  # conf validated the rate

    def take(self, ident: str) -> tuple[float | None, float]:
        """Count one event: ``(None, at)`` if allowed (``at`` its time, for ``give_back``),
        else ``(seconds to wait, 0)`` and nothing is counted. A failing cache allows it."""
        key = self._key(ident)
        try:
            with _locked(key):
                now = time.time()
                history = [at for at in cache.get(key, []) if at > now - self.duration]
                if len(history) >= self.limit:
                    return max(history[-1] + self.duration - now, 1.0), 0.0
                cache.set(key, [now, *history], self.duration)
                return None, now
        except Exception as exc:  # the cache is down: fail open, loudly
            logger.error("Sign-in throttle not counted (cache failed): %r", exc)
            return None, 0.0

    def give_back(self, ident: str, at: float) -> None:
        """Forget an event counted by ``take`` (a sign-in that succeeded)."""
        key = self._key(ident)
        try:
            with _locked(key):
                history = cache.get(key, [])
                if at in history:
                    history.remove(at)
                    cache.set(key, history, self.duration)
        except Exception as exc:
            logger.error("Sign-in throttle not updated (cache failed): %s", exc)

    def _key(self, ident: str) -> str:
        return f"ninja_simple_jwt:{self.scope}:{ident}"


@contextmanager
def _locked(key: str, timeout: float = 2.0) -> Iterator[None]:
    """Hold ``<key>:lock`` (taken with the cache's atomic ``add``) for one update."""
    lock, token = f"{key}:lock", secrets.token_hex(8)
    deadline = time.monotonic() + timeout
    while not cache.add(lock, token, timeout=5):
        if time.monotonic() > deadline:
            raise TimeoutError(f"throttle lock {lock!r} held too long")
        time.sleep(0.002)
    try:
        yield
    finally:
        if cache.get(lock) == token:
            cache.delete(lock)


class SignInRateThrottle(BaseThrottle):
    """At most ``SIGN_IN_THROTTLE_RATE`` attempts per client. django-ninja shares one throttle
    per operation between threads: the rate is read per request, ``wait()`` per thread."""

    def __init__(self) -> None:
        self._current = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        rate = get_jwt_settings().SIGN_IN_THROTTLE_RATE
        ident = self.get_ident(request) or ""
        wait = None if rate is None else RateCounter("client", rate).take(ident)[0]
        self._current.wait = wait
        if wait is None:
            return True
        audit("throttled", request, level=logging.WARNING)
        return False

    def wait(self) -> float | None:
        wait: float | None = getattr(self._current, "wait", None)
        return wait


@contextmanager
def account_attempts(login: Any, request: HttpRequest | None = None) -> Iterator[None]:
    """One attempt at ``login``'s password: ``TooManyAttemptsError`` if the account has had
    ``SIGN_IN_ACCOUNT_THROTTLE_RATE`` failures; counted as a failure unless the block exits
    cleanly (a success is given back)."""
    rate = get_jwt_settings().SIGN_IN_ACCOUNT_THROTTLE_RATE
    if rate is None:
        yield
        return
    # Hashed: any login fits a cache key, and the cache holds no user names.
    ident = hashlib.sha256(str(login).strip().lower().encode()).hexdigest()
    counter = RateCounter("account", rate)
    wait, at = counter.take(ident)
    if wait is not None:
        audit("account_throttled", request, level=logging.WARNING)
        raise TooManyAttemptsError(wait)
    yield
    counter.give_back(ident, at)
