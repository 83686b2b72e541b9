"""Sign-in throttling with django-ninja's own throttle, at the ``SIGN_IN_THROTTLE_RATE`` setting.

django-ninja keeps one throttle object per operation, built at import and shared by every
request and thread. ``SignInRateThrottle`` reads the rate from the settings on each request
(so ``override_settings`` and later changes take effect) and counts with a fresh
``AnonRateThrottle`` per request, kept per thread for ``wait()``: its per-request state
(history, key, time) is never shared between concurrent requests.

The client is identified as django-ninja does it (``NINJA_NUM_PROXIES``; see its docs): behind
a reverse proxy, set it, or every client appears as the proxy (or can name itself through
X-Forwarded-For).
"""

from __future__ import annotations

import threading
from typing import Final

from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, BaseThrottle
from ninja_simple_jwt.settings import get_jwt_settings

__all__ = ["SIGN_IN_THROTTLE_SCOPE", "SignInRateThrottle"]

# One budget per client for both sign-in endpoints, apart from any "anon" throttle of the API.
SIGN_IN_THROTTLE_SCOPE: Final = "ninja_simple_jwt_sign_in"


class _SignInAttempts(AnonRateThrottle):
    scope = SIGN_IN_THROTTLE_SCOPE


class SignInRateThrottle(BaseThrottle):
    """At most ``SIGN_IN_THROTTLE_RATE`` sign-in attempts per client (``None``: no limit).

    Over the limit, django-ninja answers 429 ``{"detail": "Too many requests."}`` with a
    ``Retry-After`` header.
    """

    def __init__(self) -> None:
        self._current = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        rate = get_jwt_settings().SIGN_IN_THROTTLE_RATE
        attempts = None if rate is None else _SignInAttempts(rate)
        self._current.attempts = attempts
        return attempts is None or attempts.allow_request(request)

    def wait(self) -> float | None:
        attempts: _SignInAttempts | None = getattr(self._current, "attempts", None)
        return None if attempts is None else attempts.wait()
