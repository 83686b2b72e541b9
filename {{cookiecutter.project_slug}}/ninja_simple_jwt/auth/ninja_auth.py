"""``HttpJwtAuth``: protect django-ninja operations with ``Authorization: Bearer <token>``."""

from __future__ import annotations

import re
from typing import Any, Final

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt.tokens import MAX_TOKEN_LENGTH, verify_access_token

__all__ = ["HttpJwtAuth"]

# RFC 7235 token68: what a compact JWT is made of (base64url segments joined by dots).
_TOKEN68: Final = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


class HttpJwtAuth(HttpBearer):
    """Bearer authentication with a stateless access token.

    Follows django-ninja's ``HttpBearer`` contract: return the principal (the verified claims,
    which django-ninja stores in ``request.auth``) or ``None``, and django-ninja answers 401.
    On success ``request.user`` is a ``TokenUser``; no database query is made. If the key pair
    cannot be loaded, ``KeysUnavailableError`` becomes a 503 JSON answer.
    """

    def __init__(self) -> None:
        super().__init__()
        # Read straight from META: request.headers would first copy every header into a new
        # mapping, which costs more than verifying the token.
        self._meta_key = "HTTP_" + self.header.upper().replace("-", "_")

    def __call__(self, request: HttpRequest) -> dict[str, Any] | None:
        header_value = request.META.get(self._meta_key)
        if not header_value:
            return None
        # Exactly "<scheme> <token>": one space, a case-insensitive scheme (RFC 7235) and a
        # token68 with no spaces, so "Bearer a b" or "Bearer  a" never reach the parser.
        scheme, _, token = header_value.partition(" ")
        if scheme.lower() != self.openapi_scheme or len(token) > MAX_TOKEN_LENGTH:
            return None
        if not _TOKEN68.fullmatch(token):
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> dict[str, Any] | None:
        try:
            claims = verify_access_token(token)
        except InvalidTokenError:
            return None
        user = TokenUser(claims)
        # Replace (never mutate) whatever user the session middleware attached.
        request.user = user  # type: ignore[assignment]

        async def token_user() -> TokenUser:
            return user

        request.auser = token_user  # type: ignore[assignment]
        return claims
