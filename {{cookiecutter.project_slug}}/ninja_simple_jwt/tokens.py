"""Minting and verifying access and refresh tokens, on PyJWT's public API.

Claims: every ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP`` entry, ``user_id`` (the primary key unless the
map sets it), ``sid`` (the session, see ``sessions.py``), ``jti``, ``iat``, ``exp`` and
``token_type`` (``TokenTypes``), plus ``iss`` / ``aud`` when ``JWT_ISSUER`` / ``JWT_AUDIENCE``
are set. Times are whole seconds from ``time.time()``, so neither ``USE_TZ`` nor the active
time zone affects them. The header's ``kid`` is the RFC 7638 thumbprint of the signing key;
verification picks the key by it and pins ``JWT_ALGORITHM``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import jwt
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.keys.algorithms import KEY_ID_PATTERN
from ninja_simple_jwt.keys.cache import key_cache

__all__ = [
    "MAX_TOKEN_LENGTH",
    "MintedToken",
    "TokenTypes",
    "forget_verified_tokens",
    "mint_token",
    "verify_token",
]

# A real token is well under 2 KiB: refusing huge input first keeps bad requests cheap.
MAX_TOKEN_LENGTH: Final = 8 * 1024
REQUIRED_CLAIMS: Final = ("exp", "iat", "jti", "sid", "token_type", "user_id")
# Verified tokens remembered per process (see verify_token); emptied when full.
VERIFIED_TOKEN_CACHE_SIZE: Final = 1024
# RFC 7515 compact serialization: three base64url segments, no padding.
_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Header parameters we never write. crit and b64 would change what the signature covers; the
# others name keys elsewhere. PyJWT never fetches them, and we refuse any token that has them.
_REFUSED_HEADER_PARAMETERS: Final = frozenset({"crit", "b64", "jku", "x5u", "jwk", "x5c"})

# Token text -> (kid, claims) of tokens whose signature verified under the current settings.
_verified: dict[str, tuple[str, dict[str, Any]]] = {}


class TokenTypes(StrEnum):
    """The ``token_type`` claim (the library's names). Its values are plain strings: a function
    that takes a token type takes ``TokenTypes.ACCESS`` or ``"access"`` alike."""

    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True)
class MintedToken:
    """A signed token and its ``exp`` claim (seconds since the epoch)."""

    token: str
    expires_at: int
    claims: dict[str, Any]


def user_claims(user: Any) -> dict[str, Any]:
    """The user's claims per ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP`` (not yet JSON-encoded)."""
    claims = {
        claim: source(user) if callable(source) else getattr(user, source)
        for claim, source in get_jwt_settings().TOKEN_CLAIM_USER_ATTRIBUTE_MAP.items()
    }
    claims.setdefault("user_id", user.pk)
    return claims


def mint_token(
    user: Any,
    token_type: str,
    *,
    session_id: str,
    jti: str | None = None,
    issued_at: int | None = None,
    expires_at: int | None = None,
) -> MintedToken:
    """Sign a new token of ``token_type`` of session ``session_id``, with the user's claims.

    ``jti``, ``issued_at`` and ``expires_at`` default to a random id, now and the setting's
    lifetime from ``issued_at``.
    """
    jwt_settings = get_jwt_settings()
    kind = TokenTypes(token_type)
    lifetime = jwt_settings.JWT_ACCESS_TOKEN_LIFETIME
    if kind is TokenTypes.REFRESH:
        lifetime = jwt_settings.JWT_REFRESH_TOKEN_LIFETIME
    issued_at = int(time.time()) if issued_at is None else issued_at
    claims = {
        **user_claims(user),
        "sid": session_id,
        "jti": jti or secrets.token_urlsafe(16),
        "iat": issued_at,
        "exp": expires_at or issued_at + int(lifetime.total_seconds()),
        "token_type": kind.value,
    }
    if jwt_settings.JWT_ISSUER is not None:
        claims["iss"] = jwt_settings.JWT_ISSUER
    if jwt_settings.JWT_AUDIENCE is not None:
        claims["aud"] = jwt_settings.JWT_AUDIENCE
    signing_key = key_cache.signing_key()
    token = jwt.encode(
        claims,
        signing_key.private_key,
        algorithm=signing_key.algorithm,
        headers={"kid": signing_key.kid},
        json_encoder=jwt_settings.TOKEN_USER_ENCODER_CLS,
    )
    return MintedToken(token, claims["exp"], claims)


def verify_token(token: str, token_type: str) -> dict[str, Any]:
    """The claims of a valid token of ``token_type``; ``InvalidTokenError`` otherwise.

    ``KeysUnavailableError`` (503) if the public key cannot be loaded. A token whose signature
    verified is remembered, so a client sending the same access token with every request pays
    for its signature once per process. On reuse, whether its key is still trusted (rotation,
    ``make_jwt_key --force``), its expiry and its type are checked again; the other claims cannot
    change for the same token text under the same settings.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError()
    cached = _verified.get(token)
    if cached is None:
        kid, claims = _decode(token)
        if len(_verified) >= VERIFIED_TOKEN_CACHE_SIZE:
            _verified.clear()
        _verified[token] = (kid, claims)
    else:
        kid, claims = cached
        leeway = get_jwt_settings().JWT_LEEWAY.total_seconds()
        if key_cache.find(kid) is None or claims["exp"] <= time.time() - leeway:
            raise InvalidTokenError()
    if claims["token_type"] != token_type:
        raise InvalidTokenError()
    return dict(claims)  # a copy: callers may change theirs


def forget_verified_tokens() -> None:
    """Empty the verified-token memory (settings changed)."""
    _verified.clear()


def _decode(token: str) -> tuple[str, dict[str, Any]]:
    """The ``kid`` and claims of a token that passes every check but its type."""
    jwt_settings = get_jwt_settings()
    required = [*REQUIRED_CLAIMS]
    if jwt_settings.JWT_ISSUER is not None:
        required.append("iss")
    if jwt_settings.JWT_AUDIENCE is not None:
        required.append("aud")
    try:
        if not _COMPACT.fullmatch(token) or not _is_canonical(token.rpartition(".")[2]):
            raise InvalidTokenError()
        kid = _unverified_kid(token)
        if kid is None or (public_key := key_cache.find(kid)) is None:
            raise InvalidTokenError()
        decoded = jwt.decode_complete(
            token,
            public_key,
            algorithms=[jwt_settings.JWT_ALGORITHM],
            leeway=jwt_settings.JWT_LEEWAY,
            issuer=jwt_settings.JWT_ISSUER,
            audience=jwt_settings.JWT_AUDIENCE,
            options={"require": required},
        )
        header, claims = decoded["header"], decoded["payload"]
        if header.get("kid") != kid or not _REFUSED_HEADER_PARAMETERS.isdisjoint(header):
            raise InvalidTokenError()
    except InvalidTokenError:
        raise
    except jwt.PyJWTError as exc:
        raise InvalidTokenError() from exc
    except (ValueError, TypeError, RecursionError, OverflowError) as exc:
        # Untrusted input: whatever the parsers trip on is an invalid token, never a 500.
        raise InvalidTokenError() from exc
    if not _claims_have_our_types(claims):
        raise InvalidTokenError()
    return kid, claims


def _unverified_kid(token: str) -> str | None:
    """The header's ``kid``, read before the signature is checked, to choose the key.

    Only the header segment is decoded here: PyJWT's decode then parses and checks the whole
    token once (``get_unverified_header`` would parse all of it a second time, a third of a
    first use's cost), and the header it verified must name the same ``kid``.
    """
    segment = token.partition(".")[0]
    header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) and KEY_ID_PATTERN.fullmatch(kid) else None


def _is_canonical(segment: str) -> bool:
    """Whether the segment is the one base64url spelling of its bytes.

    The decoder ignores the unused low bits of the last character, so a signature would
    otherwise have several spellings that all verify: a token no client should send.
    """
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == segment


def _claims_have_our_types(claims: dict[str, Any]) -> bool:
    """Types PyJWT tolerates and we do not: it casts "exp": "123" or "nbf": false to a number.
    RFC 7519: a NumericDate is a JSON number; ours are whole seconds."""
    return (
        all(type(claims.get(name, 0)) is int for name in ("exp", "iat", "nbf"))
        and all(isinstance(claims[name], str) and claims[name] for name in ("jti", "sid"))
        and claims["token_type"] in tuple(TokenTypes)
        and (type(claims["user_id"]) is int or isinstance(claims["user_id"], str))
    )
