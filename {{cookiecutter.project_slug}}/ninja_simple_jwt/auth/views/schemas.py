"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

__all__ = [
    "AccessTokenResponse",
    "ErrorResponse",
    "MobileSignInResponse",
    "MobileTokenRefreshRequest",
    "SignInRequest",
    "ValidationErrorResponse",
]

# Generous bounds that still keep absurd input away from the password hasher and the database.
USERNAME_MAX_LENGTH = 1024
PASSWORD_MAX_LENGTH = 4096


class SignInRequest(Schema):
    """Credentials. ``username`` holds the value of the USERNAME_FIELD setting (e.g. an e-mail)."""

    username: str = Field(max_length=USERNAME_MAX_LENGTH)
    password: str = Field(max_length=PASSWORD_MAX_LENGTH)


class MobileSignInResponse(Schema):
    refresh: str
    access: str


class MobileTokenRefreshRequest(Schema):
    # No length bound here: an over-long token is a 401 like any other bad token.
    refresh: str


class AccessTokenResponse(Schema):
    access: str


class ErrorResponse(Schema):
    detail: str


class ValidationErrorResponse(Schema):
    """django-ninja's 422 body: one entry per field that failed validation."""

    detail: list[dict[str, Any]]
