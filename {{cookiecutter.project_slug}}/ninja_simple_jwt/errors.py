"""Typed errors, answered in one place: each is a ``ninja.errors.HttpError``.

django-ninja's default handler turns them into ``{"detail": "..."}`` JSON with the status code
below, so views raise and never build error responses themselves.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar

from django.db import InterfaceError, OperationalError
from ninja.errors import HttpError

__all__ = [
    "MAKE_KEYS",
    "MAKE_KEYS_FORCE",
    "DatabaseUnavailableError",
    "InvalidCredentialsError",
    "InvalidTokenError",
    "KeysUnavailableError",
    "WrongPasswordError",
    "database_errors_as_503",
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


class DatabaseUnavailableError(_JsonHttpError):
    """The database cannot be reached (sessions live there): a server problem, try again."""

    status = 503
    detail = "The database is unavailable; try again shortly."


Function = TypeVar("Function", bound=Callable[..., Any])


def database_errors_as_503(function: Function) -> Function:
    """A lost or refused database connection is a JSON 503, not a 500."""

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            logging.getLogger("ninja_simple_jwt").error("Database unavailable: %r", exc)
            raise DatabaseUnavailableError() from exc

    return guarded  # type: ignore[return-value]
