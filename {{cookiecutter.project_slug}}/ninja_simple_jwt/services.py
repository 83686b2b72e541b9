"""Sign-in and password change, apart from HTTP."""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja_simple_jwt.audit import audit
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import (
    InvalidCredentialsError,
    NewPasswordRefusedError,
    WrongPasswordError,
    database_errors_as_503,
)
from ninja_simple_jwt.models import Session
from ninja_simple_jwt.sessions import (
    SignInTokens,
    keep_sessions_after_rehash,
    password_fingerprint,
    revoke,
    start_session,
)
from ninja_simple_jwt.throttling import account_attempts

__all__ = ["change_password", "sign_in"]


@database_errors_as_503
def sign_in(request: HttpRequest, username: str, password: str) -> SignInTokens:
    """Authenticate with Django's backends, fire ``user_logged_in`` (it updates ``last_login``),
    start a session. Unknown user, wrong password and inactive user are one
    ``InvalidCredentialsError``; too many failures a ``TooManyAttemptsError`` (``throttling``).
    """
    account = _account(username)
    # The hash stored before sign-in, which Django may replace (re-hash) while checking it.
    stored = None if account is None else str(account.password)
    user: AbstractBaseUser | None = None
    try:
        with account_attempts(username, request):
            # PostgreSQL refuses NUL in strings with a 500; no account can match one anyway.
            if "\x00" in username or "\x00" in password:
                raise InvalidCredentialsError()
            if get_jwt_settings().USERNAME_FIELD == get_user_model().USERNAME_FIELD:
                user = authenticate(request, username=username, password=password)
            elif account is not None:
                user = authenticate(request, username=account.get_username(), password=password)
            else:
                # Hash anyway, so an unknown account answers as slowly as a wrong password.
                get_user_model()().set_password(password)
                credentials = {"username": username}
                user_login_failed.send(__name__, credentials=credentials, request=request)
            if user is None or getattr(user, "is_active", True) is not True:
                raise InvalidCredentialsError()
    except InvalidCredentialsError:
        target = None if account is None else account.pk  # the owner's log names the account
        audit("sign_in_failed", request, user_id=target, level=logging.WARNING)
        raise
    if stored is not None:
        keep_sessions_after_rehash(user, stored, password)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return start_session(user, request)


def _account(username: str) -> AbstractBaseUser | None:
    """The user whose field named by the ``USERNAME_FIELD`` setting is ``username``, or None."""
    user_model = get_user_model()
    lookup_field = get_jwt_settings().USERNAME_FIELD
    manager = user_model._default_manager
    try:
        if lookup_field == user_model.USERNAME_FIELD:
            return manager.get_by_natural_key(username)
        return manager.get(**{lookup_field: username})
    except (ObjectDoesNotExist, user_model.MultipleObjectsReturned, ValueError, ValidationError):
        return None


@database_errors_as_503
def change_password(
    request: HttpRequest, session: Session, current_password: str, new_password: str
) -> None:
    """Set a new password for the session's user and revoke the user's other sessions.

    ``WrongPasswordError`` (400) if ``current_password`` is wrong, ``NewPasswordRefusedError``
    (422) with the ``AUTH_PASSWORD_VALIDATORS`` messages if the new one is refused.
    """
    user = session.user
    try:
        with account_attempts(getattr(user, get_jwt_settings().USERNAME_FIELD, user.pk), request):
            if not user.check_password(current_password):
                raise WrongPasswordError()
    except WrongPasswordError:
        audit("password_change_failed", request, session=session, level=logging.WARNING)
        raise
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise NewPasswordRefusedError(exc.messages) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # The session that changed it stays usable; every other one ends.
    Session.objects.filter(pk=session.pk).update(password_fingerprint=password_fingerprint(user))
    others = Session.objects.filter(user=user).exclude(pk=session.pk)
    revoke(others, Session.RevokedReason.PASSWORD_CHANGED, request)
    audit("password_changed", request, session=session)
