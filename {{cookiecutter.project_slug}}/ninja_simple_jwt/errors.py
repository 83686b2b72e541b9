"""Typed errors of ninja_simple_jwt.

Each is a ``ninja.errors.HttpError``, so django-ninja's default handler answers it as
``{"detail": "..."}`` JSON with the status code below: one place maps errors to responses.
"""

from __future__ import annotations

from typing import Final

from ninja.errors import HttpError

__all__ = [
    "INVALID_CREDENTIALS_DETAIL",
    "INVALID_TOKEN_DETAIL",
    "KEYS_UNAVAILABLE_DETAIL",
    "InvalidCredentialsError",
    "InvalidTokenError",
    "KeysUnavailableError",
    "NinjaSimpleJwtError",
]

INVALID_TOKEN_DETAIL: Final = "Invalid or expired token."  # noqa: S105 - a message, not a secret
# One body for unknown user, wrong password and inactive user: no user enumeration.
INVALID_CREDENTIALS_DETAIL: Final = "Invalid credentials."
KEYS_UNAVAILABLE_DETAIL: Final = (
    "The JWT signing keys are unavailable. Run `python manage.py make_rsa` to create them."
)


class NinjaSimpleJwtError(HttpError):
    """Base class: an error answered with a JSON ``detail`` and a fixed status code."""

    status_code_default: int = 500
    detail_default: str = "Internal error."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.status_code_default, message or self.detail_default)


class InvalidTokenError(NinjaSimpleJwtError):
    """A token is missing, malformed, expired, of the wrong type or not signed by our key (401)."""

    status_code_default = 401
    detail_default = INVALID_TOKEN_DETAIL


class InvalidCredentialsError(NinjaSimpleJwtError):
    """Sign-in failed: unknown user, wrong password or inactive user, told apart by no one (401)."""

    status_code_default = 401
    detail_default = INVALID_CREDENTIALS_DETAIL


class KeysUnavailableError(NinjaSimpleJwtError):
    """The key pair cannot be loaded (missing, unreadable, not a key): a server problem (503)."""

    status_code_default = 503
    detail_default = KEYS_UNAVAILABLE_DETAIL
