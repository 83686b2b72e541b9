"""Minting and verifying access and refresh tokens.

Claims: every ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP`` entry, ``user_id`` (the primary key unless
the map sets it), and ``jti``, ``iat``, ``exp``, ``token_type`` set here. Times are integer
seconds from ``time.time()``, so neither ``USE_TZ`` nor the active time zone affects them.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import jwt
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt.keys import ALGORITHM, get_signing_key, get_verifying_key
from ninja_simple_jwt.settings import get_jwt_settings

if TYPE_CHECKING:
    from jwt.types import Options  # a typing-only module in older PyJWT releases

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "MAX_TOKEN_LENGTH",
    "REFRESH_TOKEN_TYPE",
    "REQUIRED_CLAIMS",
    "MintedToken",
    "TokenType",
    "build_user_claims",
    "mint_access_token",
    "mint_refresh_token",
    "mint_token",
    "verify_access_token",
    "verify_refresh_token",
    "verify_token",
]

TokenType = Literal["access", "refresh"]
# The token_type claim values (names, not secrets).
ACCESS_TOKEN_TYPE: Final = "access"  # noqa: S105
REFRESH_TOKEN_TYPE: Final = "refresh"  # noqa: S105

# A real token is well under 2 KiB; refusing huge input before parsing keeps bad requests cheap.
MAX_TOKEN_LENGTH: Final = 8 * 1024
REQUIRED_CLAIMS: Final = ("exp", "iat", "jti", "token_type", "user_id")

_DECODE_OPTIONS: Final[Options] = {
    "verify_signature": True,
    "verify_exp": True,
    "verify_iat": True,
    "verify_nbf": True,
    "verify_jti": True,
    # The app never reads "sub"; a mapped non-string "sub" claim must not void every token.
    "verify_sub": False,
    "require": list(REQUIRED_CLAIMS),
}
# RFC 7515 compact serialization: three unpadded base64url segments.
_COMPACT_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Last characters whose unused low bits are zero (2 and 3 characters left over in the last group).
_CANONICAL_LAST_OF_2: Final = frozenset("AQgw")
_CANONICAL_LAST_OF_3: Final = frozenset("AEIMQUYcgkosw048")
# Pinned: the token's own "alg" header is never trusted to choose the algorithm.
_ALGORITHMS: Final = [ALGORITHM]


@dataclass(frozen=True)
class MintedToken:
    """A signed token and its ``exp`` claim (seconds since the epoch)."""

    token: str
    expires_at: int


def build_user_claims(user: Any) -> dict[str, Any]:
    """The user's claims per ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP`` (values not yet JSON-encoded)."""
    claims: dict[str, Any] = {}
    for claim, source in get_jwt_settings().TOKEN_CLAIM_USER_ATTRIBUTE_MAP.items():
        claims[claim] = source(user) if callable(source) else getattr(user, source)
    claims.setdefault("user_id", user.pk)
    return claims


def mint_token(user: Any, token_type: TokenType) -> MintedToken:
    """Sign a new ``token_type`` token carrying ``user``'s current claims."""
    jwt_settings = get_jwt_settings()
    lifetime = (
        jwt_settings.JWT_ACCESS_TOKEN_LIFETIME
        if token_type == ACCESS_TOKEN_TYPE
        else jwt_settings.JWT_REFRESH_TOKEN_LIFETIME
    )
    issued_at = int(time.time())
    expires_at = issued_at + int(lifetime.total_seconds())
    payload = {
        **build_user_claims(user),
        "jti": secrets.token_urlsafe(16),
        "iat": issued_at,
        "exp": expires_at,
        "token_type": token_type,
    }
    token = jwt.encode(
        payload,
        get_signing_key(),
        algorithm=ALGORITHM,
        json_encoder=jwt_settings.token_user_encoder_class,
    )
    return MintedToken(token=token, expires_at=expires_at)


def mint_access_token(user: Any) -> str:
    """A signed access token for ``user``."""
    return mint_token(user, ACCESS_TOKEN_TYPE).token


def mint_refresh_token(user: Any) -> str:
    """A signed refresh token for ``user``."""
    return mint_token(user, REFRESH_TOKEN_TYPE).token


def _is_canonical_base64url(segment: str) -> bool:
    remainder = len(segment) % 4
    if remainder == 1:
        return False
    if remainder == 2:
        return segment[-1] in _CANONICAL_LAST_OF_2
    if remainder == 3:
        return segment[-1] in _CANONICAL_LAST_OF_3
    return True


def _is_compact_jws(token: str) -> bool:
    """Exactly the RFC 7515 shape, in its one canonical spelling.

    The base64 decoder forgives padding and stray low bits, so "token==" would otherwise verify
    like "token": a second spelling of one token that no client should send.
    """
    return _COMPACT_JWS.fullmatch(token) is not None and all(
        _is_canonical_base64url(segment) for segment in token.split(".")
    )


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def verify_token(token: str, expected_type: TokenType) -> dict[str, Any]:
    """Verify ``token`` and return its claims.

    Checks the RS256 signature with the configured public key, ``exp``/``iat``/``nbf``, the
    required claims and that ``token_type`` equals ``expected_type``. Any failure raises
    ``InvalidTokenError``; ``KeysUnavailableError`` if the public key cannot be loaded.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not _is_compact_jws(token):
        raise InvalidTokenError()
    verifying_key = get_verifying_key()
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key=verifying_key, algorithms=_ALGORITHMS, options=_DECODE_OPTIONS
        )
    except Exception as exc:
        # Untrusted input: whatever the parser trips on (PyJWT, base64, JSON, unicode,
        # recursion), the answer is "invalid token", never a 500.
        raise InvalidTokenError() from exc
    if (
        claims.get("token_type") != expected_type
        or not _is_integer(claims["exp"])
        or not _is_integer(claims["iat"])
        or not isinstance(claims["jti"], str)
        or not claims["jti"]
        or not (_is_integer(claims["user_id"]) or isinstance(claims["user_id"], str))
    ):
        raise InvalidTokenError()
    return claims


def verify_access_token(token: str) -> dict[str, Any]:
    """Claims of a valid access token; ``InvalidTokenError`` otherwise."""
    return verify_token(token, ACCESS_TOKEN_TYPE)


def verify_refresh_token(token: str) -> dict[str, Any]:
    """Claims of a valid refresh token; ``InvalidTokenError`` otherwise."""
    return verify_token(token, REFRESH_TOKEN_TYPE)
