"""Sign-in and password-change throttling with django-ninja's own throttle, at the
``SIGN_IN_THROTTLE_RATE`` setting.

django-ninja keeps one throttle object per operation, shared by every request and thread. This
one reads the rate on each request (so setting changes apply at once) and counts with a fresh
``AnonRateThrottle``, kept per thread for ``wait()``: no per-request state is shared.

Clients are told apart as django-ninja does it (``NINJA_NUM_PROXIES``): behind a reverse proxy,
set it, or every client appears as the proxy.
"""

from __future__ import annotations

import logging
import threading

from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, BaseThrottle
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.sessions import audit

__all__ = ["SignInRateThrottle"]


class _SignInAttempts(AnonRateThrottle):
    # One budget per client for both sign-in endpoints and password changes, apart from any
    # "anon" throttle.
    scope = "ninja_simple_jwt_sign_in"

    def get_cache_key(self, request: HttpRequest) -> str:
        # Counted for signed-in callers too (AnonRateThrottle skips them): password changes.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInRateThrottle(BaseThrottle):
    """At most ``SIGN_IN_THROTTLE_RATE`` sign-in attempts per client; over it, 429."""

    def __init__(self) -> None:
        self._current = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        rate = get_jwt_settings().SIGN_IN_THROTTLE_RATE
        attempts = None if rate is None else _SignInAttempts(rate)
        self._current.attempts = attempts
        if attempts is None or attempts.allow_request(request):
            return True
        audit("throttled", request, level=logging.WARNING)
        return False

    def wait(self) -> float | None:
        attempts: _SignInAttempts | None = getattr(self._current, "attempts", None)
        return None if attempts is None else attempts.wait()
