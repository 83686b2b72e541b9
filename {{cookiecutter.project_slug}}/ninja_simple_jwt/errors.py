"""The app's errors, and the one place where the routers' errors are answered.

Every error is a typed exception that django-ninja's handlers answer as JSON: an ``HttpError``
below (``{"detail": "..."}``) or, for a refused new password, its ``ValidationError`` (422).
Views and services raise them; nothing builds an error response or catches one to answer it.
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
from collections.abc import Callable
from typing import Any, Final, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError, ValidationError
from ninja.params.models import BodyModel

__all__ = [
    "MAKE_KEYS",
    "MAKE_KEYS_FORCE",
    "InvalidCredentialsError",
    "InvalidTokenError",
    "KeysUnavailableError",
    "NewPasswordRefusedError",
    "SessionNotFoundError",
    "TooManyAttemptsError",
    "WrongPasswordError",
    "answered",
    "database_errors_as_503",
    "same_site_origin",
]

# The commands that fix missing or broken keys, quoted in errors, logs and check hints.
MAKE_KEYS: Final = "python manage.py make_jwt_key"
MAKE_KEYS_FORCE: Final = "python manage.py make_jwt_key --force"


class _Error(HttpError):
    status: int
    detail: str

    def __init__(self) -> None:
        super().__init__(self.status, self.detail)


class InvalidTokenError(_Error):
    """A token is missing, malformed, expired, of the wrong type or not signed by our keys."""

    status, detail = 401, "Invalid or expired token."


class InvalidCredentialsError(_Error):
    """Unknown user, wrong password or inactive user: one answer, so none can be told apart."""

    status, detail = 401, "Invalid credentials."


class WrongPasswordError(_Error):
    status, detail = 400, "The current password is wrong."


class CrossOriginError(_Error):
    status, detail = 403, "Cross-origin request refused."


class SessionNotFoundError(_Error):
    status, detail = 404, "Session not found."


class UnsupportedMediaTypeError(_Error):
    """A body that is not declared ``application/json`` (what no cross-site HTML form sends)."""

    status, detail = 415, "Send a JSON body (application/json)."


class TooManyAttemptsError(_Error):
    """Too many failed attempts for one account; the next is allowed in ``wait`` seconds."""

    status, detail = 429, "Too many failed attempts for this account."

    def __init__(self, wait: float) -> None:
        super().__init__()
        self.wait = wait


class KeysUnavailableError(_Error):
    status, detail = 503, f"The JWT signing keys are unavailable. Run `{MAKE_KEYS}` to create them."


class DatabaseUnavailableError(_Error):
    status, detail = 503, "The database is unavailable; try again shortly."


class NewPasswordRefusedError(ValidationError):
    """``AUTH_PASSWORD_VALIDATORS`` refused the new password: django-ninja's 422, a message each."""

    def __init__(self, messages: list[str]) -> None:
        where = ["body", "payload", "new_password"]
        super().__init__([{"type": "password_invalid", "loc": where, "msg": m} for m in messages])


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


def same_site_origin(request: HttpRequest) -> None:
    """A check for ``answered``: an ``Origin`` other than this site and the CORS list is a 403."""
    origin = request.META.get("HTTP_ORIGIN")
    allowed = getattr(settings, "CORS_ALLOWED_ORIGINS", ())
    own = f"{request.scheme}://{request.get_host()}"
    if origin is not None and origin != own and origin not in allowed:
        raise CrossOriginError()


Run = Callable[..., HttpResponse]


def answered(*checks: Callable[[HttpRequest], None]) -> Callable[[Run], Run]:
    """A router's decorator (``router.add_decorator(answered(), mode="view")``) for what
    django-ninja's handlers miss: before the body is read (outside its error handling), a 415
    for a body not declared ``application/json`` (login CSRF) and each of ``checks``; after, a
    ``TooManyAttemptsError``'s ``Retry-After``, as django-ninja gives its own throttles."""

    def decorate(run: Run) -> Run:
        operation: Any = inspect.unwrap(run).__self__  # bound to the mounted operation
        reads_body = any(issubclass(model, BodyModel) for model in operation.models)
        view = operation.view_func

        def answer(request: HttpRequest, error: HttpError) -> HttpResponse:
            response: HttpResponse = operation.api.on_exception(request, error)
            if isinstance(error, TooManyAttemptsError):
                response["Retry-After"] = str(math.ceil(error.wait))
            return response

        @functools.wraps(view)
        def answered_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                return view(request, *args, **kwargs)
            except TooManyAttemptsError as error:
                return answer(request, error)

        @functools.wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if reads_body and request.content_type != "application/json":
                    raise UnsupportedMediaTypeError()
                for check in checks:
                    check(request)
            except HttpError as error:
                return answer(request, error)
            return run(request, *args, **kwargs)

        operation.view_func = answered_view
        return checked

    return decorate
