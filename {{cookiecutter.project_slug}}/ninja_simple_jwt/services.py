"""Sign-in and token refresh, apart from HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import InvalidCredentialsError, InvalidTokenError
from ninja_simple_jwt.tokens import MintedToken, mint_token, verify_token

__all__ = ["SignInTokens", "authenticate_credentials", "refresh_access_token", "sign_in"]


@dataclass(frozen=True)
class SignInTokens:
    refresh: MintedToken
    access: MintedToken


def _is_active(user: Any) -> bool:
    return getattr(user, "is_active", True) is True


def authenticate_credentials(
    request: HttpRequest | None, username: str, password: str
) -> AbstractBaseUser:
    """The active user whose ``USERNAME_FIELD`` (the setting's) field is ``username``, checked
    by Django's authentication backends. Unknown user, wrong password and inactive user all
    raise the same ``InvalidCredentialsError``.
    """
    user_model = get_user_model()
    lookup_field = get_jwt_settings().USERNAME_FIELD
    # PostgreSQL refuses NUL in strings with a 500; no account can match one anyway.
    if "\x00" in username or "\x00" in password:
        raise InvalidCredentialsError()
    user: AbstractBaseUser | None
    if lookup_field == user_model.USERNAME_FIELD:
        user = authenticate(request, username=username, password=password)
    else:
        try:
            candidate = user_model._default_manager.get(**{lookup_field: username})
        except (
            ObjectDoesNotExist,
            user_model.MultipleObjectsReturned,
            ValueError,
            ValidationError,
        ):
            # Hash anyway, so an unknown account answers as slowly as a wrong password.
            user_model().set_password(password)
            user_login_failed.send(__name__, credentials={"username": username}, request=request)
            user = None
        else:
            user = authenticate(request, username=candidate.get_username(), password=password)
    if user is None or not _is_active(user):
        raise InvalidCredentialsError()
    return user


def sign_in(request: HttpRequest, username: str, password: str) -> SignInTokens:
    """Authenticate, fire ``user_logged_in`` (it updates ``last_login``), mint both tokens."""
    user = authenticate_credentials(request, username, password)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return SignInTokens(refresh=mint_token(user, "refresh"), access=mint_token(user, "access"))


def user_for_refresh(claims: dict[str, Any]) -> AbstractBaseUser:
    """The active user a refresh token names, in one query; else ``InvalidTokenError``.

    Looked up by the attribute ``user_id`` maps to when that is a string, else by primary key.
    """
    user_model = get_user_model()
    source = get_jwt_settings().TOKEN_CLAIM_USER_ATTRIBUTE_MAP.get("user_id")
    lookup_field = source if isinstance(source, str) else "pk"
    try:
        user = user_model._default_manager.get(**{lookup_field: claims["user_id"]})
    except (
        ObjectDoesNotExist,
        user_model.MultipleObjectsReturned,
        ValueError,
        TypeError,
        ValidationError,
    ) as exc:
        raise InvalidTokenError() from exc
    if not _is_active(user):
        raise InvalidTokenError()
    return user


def refresh_access_token(refresh_token: str) -> MintedToken:
    """A new access token with the user's current claims, for a valid refresh token."""
    claims = verify_token(refresh_token, "refresh")
    return mint_token(user_for_refresh(claims), "access")
