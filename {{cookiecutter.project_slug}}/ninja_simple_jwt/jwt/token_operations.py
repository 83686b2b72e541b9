"""The library's token helpers, with its names and return shapes: ``(token, payload)``.

For code that makes tokens itself, e.g. to sign a user in right after registration::

    refresh, _ = get_refresh_token_for_user(user)
    access, payload = get_access_token_from_refresh_token(refresh)

Each ``get_*_for_user`` starts a session, as a sign-in does: its tokens carry ``sid``, show in
the user's session list and end with it. Invalid tokens raise ``InvalidTokenError`` (a 401 when
it escapes a django-ninja operation).
"""

from __future__ import annotations

from typing import Any

from ninja_simple_jwt.sessions import refresh_session, start_session
from ninja_simple_jwt.tokens import TokenTypes, verify_token

__all__ = [
    "TokenTypes",
    "decode_token",
    "get_access_token_for_user",
    "get_access_token_from_refresh_token",
    "get_refresh_token_for_user",
]


def get_refresh_token_for_user(user: Any) -> tuple[str, dict[str, Any]]:
    """The refresh token of a new session of ``user``, and its claims."""
    refresh = start_session(user).refresh
    return refresh.token, dict(refresh.claims)


def get_access_token_for_user(user: Any) -> tuple[str, dict[str, Any]]:
    """An access token of a new session of ``user``, and its claims."""
    access = start_session(user).access
    return access.token, dict(access.claims)


def get_access_token_from_refresh_token(refresh_token: str) -> tuple[str, dict[str, Any]]:
    """An access token for a valid refresh token of a live session; the refresh token stays
    current (no rotation here, whatever ``JWT_ROTATE_REFRESH_TOKENS`` says)."""
    access = refresh_session(refresh_token, rotate=False).access
    return access.token, dict(access.claims)


def decode_token(token: str, token_type: TokenTypes | str) -> dict[str, Any]:
    """The verified claims of a token of ``token_type``; ``InvalidTokenError`` otherwise."""
    return verify_token(token, TokenTypes(token_type))
