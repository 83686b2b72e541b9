"""Minting and verifying access and refresh tokens.

Claims: every ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP`` entry, ``user_id`` (the primary key unless
the map sets it), and ``jti``, ``iat``, ``exp``, ``token_type`` set here, plus ``iss`` and
``aud`` when ``JWT_ISSUER`` / ``JWT_AUDIENCE`` are set. Times are integer seconds from
``time.time()``, so neither ``USE_TZ`` nor the active time zone affects them. The header
carries ``kid``, the RFC 7638 thumbprint of the signing key's public key; verification picks
the key by it and uses ``JWT_ALGORITHM`` only, whatever the header's ``alg`` says.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import jwt
from jwt.algorithms import Algorithm, get_default_algorithms
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt.jwk import KEY_ID_PATTERN
from ninja_simple_jwt.jwt.keys import find_verification_key, get_signing_key_with_id
from ninja_simple_jwt.settings import JwtSettings, get_jwt_settings

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "MAX_TOKEN_LENGTH",
    "REFRESH_TOKEN_TYPE",
    "REQUIRED_CLAIMS",
    "VERIFIED_TOKEN_CACHE_SIZE",
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

# RFC 7515 compact serialization: three unpadded base64url segments.
_COMPACT_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Last characters whose unused low bits are zero (2 and 3 characters left over in the last group).
_CANONICAL_LAST_OF_2: Final = frozenset("AQgw")
_CANONICAL_LAST_OF_3: Final = frozenset("AEIMQUYcgkosw048")
# Verified tokens kept per process, by their exact text (see verify_token): at most this many,
# emptied when full, so no ordering has to be kept consistent across threads.
VERIFIED_TOKEN_CACHE_SIZE: Final = 1024
# Header parameters that would make the signature cover something else than the token we read
# (RFC 7797 unencoded payload) or that we cannot honour: a token using them is refused.
_REFUSED_HEADER_PARAMETERS: Final = frozenset({"crit", "b64"})


@dataclass(frozen=True)
class _DecodeParameters:
    """What verification needs, derived once per settings object (not per token)."""

    jwt_settings: JwtSettings
    algorithm_name: str
    # Pinned: the token's own "alg" header is never trusted to choose the algorithm.
    algorithm: Algorithm
    required_claims: tuple[str, ...]
    leeway: float
    issuer: str | None
    audience: str | None
    # Token text -> (kid, claims) of tokens whose signature verified under these settings.
    verified: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict, compare=False)


_decode_parameters_cache: _DecodeParameters | None = None


def _decode_parameters() -> _DecodeParameters:
    # A one-slot cache keyed by the settings object's identity (replaced when settings change).
    global _decode_parameters_cache
    jwt_settings = get_jwt_settings()
    cached = _decode_parameters_cache
    if cached is not None and cached.jwt_settings is jwt_settings:
        return cached
    required = list(REQUIRED_CLAIMS)
    if jwt_settings.JWT_ISSUER is not None:
        required.append("iss")
    if jwt_settings.JWT_AUDIENCE is not None:
        required.append("aud")
    cached = _DecodeParameters(
        jwt_settings=jwt_settings,
        algorithm_name=jwt_settings.JWT_ALGORITHM,
        algorithm=get_default_algorithms()[jwt_settings.JWT_ALGORITHM],
        required_claims=tuple(required),
        leeway=jwt_settings.JWT_LEEWAY.total_seconds(),
        issuer=jwt_settings.JWT_ISSUER,
        audience=jwt_settings.JWT_AUDIENCE,
    )
    _decode_parameters_cache = cached
    return cached


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
    if jwt_settings.JWT_ISSUER is not None:
        payload["iss"] = jwt_settings.JWT_ISSUER
    if jwt_settings.JWT_AUDIENCE is not None:
        payload["aud"] = jwt_settings.JWT_AUDIENCE
    signing_key = get_signing_key_with_id()
    token = jwt.encode(
        payload,
        signing_key.private_key,
        algorithm=signing_key.algorithm,
        headers={"kid": signing_key.kid},
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


def _decode_segment(segment: str) -> bytes:
    """Bytes of a base64url segment (its alphabet and padding were checked by the shape test)."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(segment: str) -> dict[str, Any]:
    value = json.loads(_decode_segment(segment))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _key_id(header: dict[str, Any], algorithm: str) -> str:
    """The ``kid`` of a well-formed header for ``algorithm``; else ``InvalidTokenError``.

    Only ``kid`` chooses the key; ``jku``, ``x5u``, ``jwk`` and ``x5c`` are never looked at.
    """
    kid = header.get("kid")
    if (
        header.get("alg") != algorithm
        or not isinstance(kid, str)
        or not KEY_ID_PATTERN.fullmatch(kid)
        or not _REFUSED_HEADER_PARAMETERS.isdisjoint(header)
    ):
        raise InvalidTokenError()
    return kid


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _claims_are_valid(
    claims: dict[str, Any], expected_type: TokenType, parameters: _DecodeParameters
) -> bool:
    """RFC 7519 time checks within the leeway, required claims, types, issuer and audience."""
    if not all(name in claims for name in parameters.required_claims):
        return False
    now, leeway = time.time(), parameters.leeway
    expires_at, issued_at = claims["exp"], claims["iat"]
    if not _is_integer(expires_at) or expires_at <= now - leeway:
        return False
    if not _is_integer(issued_at) or issued_at > now + leeway:
        return False
    if "nbf" in claims and (not _is_number(claims["nbf"]) or claims["nbf"] > now + leeway):
        return False
    user_id = claims["user_id"]
    if (
        claims["token_type"] != expected_type
        or not isinstance(claims["jti"], str)
        or not claims["jti"]
        or not (_is_integer(user_id) or isinstance(user_id, str))
    ):
        return False
    # Exact comparisons: an issuer is never matched as a substring or a prefix.
    if parameters.issuer is not None and claims["iss"] != parameters.issuer:
        return False
    if parameters.audience is None:
        # A token meant for some audience is not for a service that names none.
        return "aud" not in claims
    audiences = claims["aud"]
    if isinstance(audiences, str):
        return audiences == parameters.audience
    return (
        isinstance(audiences, list)
        and all(isinstance(audience, str) for audience in audiences)
        and parameters.audience in audiences
    )


def verify_token(token: str, expected_type: TokenType) -> dict[str, Any]:
    """Verify ``token`` and return its claims.

    Checks the shape, the header (``alg`` equal to ``JWT_ALGORITHM``, a well-formed ``kid``),
    the signature with the key of that ``kid``, ``exp``/``iat``/``nbf`` within ``JWT_LEEWAY``,
    ``iss``/``aud`` when configured, the required claims and that ``token_type`` equals
    ``expected_type``. Any failure raises ``InvalidTokenError``; ``KeysUnavailableError`` if the
    public key cannot be loaded.

    The token is parsed once: the shape test proves three canonical base64url segments, so the
    header, signature and payload are decoded directly and the signature is checked with
    PyJWT's algorithm for ``JWT_ALGORITHM`` (never the header's choice). A token whose signature
    verified is remembered (``VERIFIED_TOKEN_CACHE_SIZE`` per process and settings), so reusing
    it skips the signature check, never the others.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenError()
    parameters = _decode_parameters()
    cached = parameters.verified.get(token)
    if cached is None:
        kid, claims = _verify_signature(token, parameters)
        if len(parameters.verified) >= VERIFIED_TOKEN_CACHE_SIZE:
            parameters.verified.clear()
        parameters.verified[token] = (kid, claims)
    else:
        # A client sends the same access token with every request until it expires: its
        # signature was checked once under these settings. Whether its key is still trusted
        # (rotation, make_rsa --force) and every claim check are done again on each use.
        kid, claims = cached
        if find_verification_key(kid) is None:
            raise InvalidTokenError()
    if not _claims_are_valid(claims, expected_type, parameters):
        raise InvalidTokenError()
    # A copy: callers (request.auth) may change theirs without touching the cached claims.
    return dict(claims)


def _verify_signature(token: str, parameters: _DecodeParameters) -> tuple[str, dict[str, Any]]:
    """The ``kid`` and claims of a token whose shape, header and signature are valid."""
    if not _is_compact_jws(token):
        raise InvalidTokenError()
    header_segment, payload_segment, signature_segment = token.split(".")
    try:
        header = _json_object(header_segment)
    except Exception as exc:
        raise InvalidTokenError() from exc
    kid = _key_id(header, parameters.algorithm_name)
    verification_key = find_verification_key(kid)
    if verification_key is None:
        raise InvalidTokenError()
    signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
    try:
        if not parameters.algorithm.verify(
            signing_input, verification_key.public_key, _decode_segment(signature_segment)
        ):
            raise InvalidTokenError()
        # Untrusted input until here: whatever the parser trips on (base64, JSON, unicode,
        # recursion), the answer is "invalid token", never a 500.
        return kid, _json_object(payload_segment)
    except Exception as exc:
        raise InvalidTokenError() from exc


def verify_access_token(token: str) -> dict[str, Any]:
    """Claims of a valid access token; ``InvalidTokenError`` otherwise."""
    return verify_token(token, ACCESS_TOKEN_TYPE)


def verify_refresh_token(token: str) -> dict[str, Any]:
    """Claims of a valid refresh token; ``InvalidTokenError`` otherwise."""
    return verify_token(token, REFRESH_TOKEN_TYPE)
