"""Typed errors, answered in one place: each is a ``ninja.errors.HttpError``.

django-ninja's default handler turns them into ``{"detail": "..."}`` JSON with the status code
below, so views raise and never build error responses themselves.
"""

from __future__ import annotations

from typing import Final

from ninja.errors import HttpError

__all__ = [
    "MAKE_KEYS",
    "MAKE_KEYS_FORCE",
    "InvalidCredentialsError",
    "InvalidTokenError",
    "KeysUnavailableError",
    "WrongPasswordError",
]

# The commands that fix missing or broken keys, quoted in errors, logs and check hints.
MAKE_KEYS: Final = "python manage.py make_jwt_key"
MAKE_KEYS_FORCE: Final = "python manage.py make_jwt_key --force"


class _JsonHttpError(HttpError):
    status: int = 500
    detail: str = "Internal error."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.status, message or self.detail)


class InvalidTokenError(_JsonHttpError):
    """A token is missing, malformed, expired, of the wrong type or not signed by our keys."""

    status = 401
    detail = "Invalid or expired token."


class InvalidCredentialsError(_JsonHttpError):
    """Unknown user, wrong password or inactive user: one answer, so none can be told apart."""

    status = 401
    detail = "Invalid credentials."


class KeysUnavailableError(_JsonHttpError):
    """The key pair cannot be loaded (missing, unreadable, not a key): a server problem."""

    status = 503
    detail = f"The JWT signing keys are unavailable. Run `{MAKE_KEYS}` to create them."


class WrongPasswordError(_JsonHttpError):
    """The current password given to change it is wrong."""

    status = 400
    detail = "The current password is wrong."
