"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

__all__ = [
    "AccessTokenResponse",
    "ErrorResponse",
    "MobileSignInResponse",
    "MobileTokenRefreshResponse",
    "PasswordChangeRequest",
    "RefreshTokenRequest",
    "SessionResponse",
    "SignInRequest",
    "ValidationErrorResponse",
]


class SignInRequest(Schema):
    """``username`` is the value of the ``USERNAME_FIELD`` setting's field (an e-mail...);
    the bounds keep absurd input away from the hasher and the database."""

    username: str = Field(max_length=1024)
    password: str = Field(max_length=4096)


class MobileSignInResponse(Schema):
    refresh: str
    access: str


class RefreshTokenRequest(Schema):
    """The mobile router's refresh and sign-out body. No length bound: an over-long token is a
    401 like any other bad token."""

    refresh: str


class MobileTokenRefreshResponse(Schema):
    access: str
    # Only with JWT_ROTATE_REFRESH_TOKENS: the refresh token that replaces the one sent.
    refresh: str | None = None


class AccessTokenResponse(Schema):
    access: str


class ErrorResponse(Schema):
    detail: str


class ValidationErrorResponse(Schema):
    """django-ninja's 422 body: one entry per field that failed validation."""

    detail: list[dict[str, Any]]


class SessionResponse(Schema):
    """One of the caller's live sessions (a signed-in device or browser)."""

    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str
    ip_address: str | None
    current: bool


class PasswordChangeRequest(Schema):
    current_password: str = Field(max_length=4096)
    new_password: str = Field(max_length=4096)
