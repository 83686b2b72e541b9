"""Settings of ninja_simple_jwt: the ``NINJA_SIMPLE_JWT`` dict in Django settings.

Every key is optional. The dict is validated on first use, not at import, so a bad value is
reported by ``manage.py check`` as ``ninja_simple_jwt.E001`` instead of a traceback. The result
is cached until Django's ``setting_changed`` signal fires (``override_settings``, pytest-django's
``settings`` fixture); see ``apps.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from types import MappingProxyType
from typing import Any, Final, Literal, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = ["ALGORITHMS", "DEFAULTS", "Algorithm", "JwtSettings", "get_jwt_settings"]

Algorithm = Literal["RS256", "ES256", "EdDSA"]
# RS256: RSA of 2048 bits or more; ES256: ECDSA on P-256; EdDSA: Ed25519.
ALGORITHMS: Final[tuple[Algorithm, ...]] = ("RS256", "ES256", "EdDSA")
ClaimSource = str | Callable[[Any], Any]
_CLAIMS: Final = {"user_id": "id", "username": "username", "last_login": "last_login"}

DEFAULTS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        # A STORAGES alias, or (as in the library) the import string of a Storage instance.
        # Without a STORAGES entry of that name, the keys are files in settings.BASE_DIR.
        "JWT_PRIVATE_KEY_STORAGE": "jwt_private_key",
        "JWT_PUBLIC_KEY_STORAGE": "jwt_public_key",
        "JWT_PRIVATE_KEY_PATH": "jwt-signing.pem",
        "JWT_PUBLIC_KEY_PATH": "jwt-signing.pub",
        # In the public key storage: the retired public keys that still verify tokens.
        "JWT_PREVIOUS_PUBLIC_KEYS_PATH": "jwt-signing.previous.json",
        # Key text (PEM; a previous-keys document) used instead of the storages when set.
        "JWT_PRIVATE_KEY": None,
        "JWT_PUBLIC_KEY": None,
        "JWT_PREVIOUS_PUBLIC_KEYS": None,
        "JWT_REFRESH_COOKIE_NAME": "refresh",
        "JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=30),
        "JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
        "WEB_REFRESH_COOKIE_SECURE": None,  # None: not settings.DEBUG, when the cookie is set
        "WEB_REFRESH_COOKIE_HTTP_ONLY": True,
        "WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "Strict",
        "WEB_REFRESH_COOKIE_PATH": "/api/auth/web",
        # The user-model field that the sign-in body's "username" is matched against.
        "USERNAME_FIELD": "username",
        "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": MappingProxyType(_CLAIMS),
        "TOKEN_USER_ENCODER_CLS": "ninja_simple_jwt.jwt.json_encode.TokenUserEncoder",
        # What HttpJwtAuth puts on request.user (stateless mode); built from the claims.
        "TOKEN_USER_CLS": "ninja_simple_jwt.authentication.TokenUser",
        # The one algorithm tokens are signed and verified with, never the token's own "alg".
        "JWT_ALGORITHM": "RS256",
        # When set, written into every token as "iss" / "aud" and required on verification.
        "JWT_ISSUER": None,
        "JWT_AUDIENCE": None,
        # Clock skew tolerated between the machines that mint and verify (exp, iat, nbf).
        "JWT_LEEWAY": timedelta(seconds=10),
        # A token with an unknown "kid" reloads the keys from storage at most this often.
        "JWT_UNKNOWN_KID_RELOAD_INTERVAL": timedelta(seconds=30),
        # Per client, both sign-in endpoints together, in django-ninja's rate syntax; None: off.
        "SIGN_IN_THROTTLE_RATE": "10/min",
        # Failed sign-ins and password changes per account, from any client; None: off.
        "SIGN_IN_ACCOUNT_THROTTLE_RATE": "10/15m",
        # Every process re-reads the keys this often: a rotation reaches it within this.
        "JWT_KEY_RELOAD_INTERVAL": timedelta(minutes=1),
        # Each refresh answers a new refresh token (see sessions.py). Off, as in the library.
        "JWT_ROTATE_REFRESH_TOKENS": False,
        # How long the token just replaced is a retry (answered), not reuse (revoked).
        "JWT_REFRESH_REUSE_GRACE": timedelta(seconds=5),
        # False: HttpJwtAuth checks the session and user on every request (one query).
        "USE_STATELESS_AUTH": True,
    }
)

# Claims the app sets itself or that JWT validators give a meaning to.
RESERVED_CLAIMS: Final = frozenset({"jti", "sid", "iat", "exp", "nbf", "token_type", "iss", "aud"})
_SAME_SITE: Final = {"strict": "Strict", "lax": "Lax", "none": "None"}
_COOKIE_NAME: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 6265 cookie-name
# django-ninja's rate syntax: "10/min", "100/h", "30/5m".
_RATE: Final = re.compile(r"[1-9][0-9]*/([1-9][0-9]*)?(s|sec|m|min|h|hour|d|day)")


@dataclass(frozen=True)
class JwtSettings:
    """The validated settings; attribute names are the ``NINJA_SIMPLE_JWT`` keys."""

    JWT_PRIVATE_KEY_STORAGE: str
    JWT_PUBLIC_KEY_STORAGE: str
    JWT_PRIVATE_KEY_PATH: str
    JWT_PUBLIC_KEY_PATH: str
    JWT_PREVIOUS_PUBLIC_KEYS_PATH: str
    JWT_PRIVATE_KEY: str | None
    JWT_PUBLIC_KEY: str | None
    JWT_PREVIOUS_PUBLIC_KEYS: str | None
    JWT_REFRESH_COOKIE_NAME: str
    JWT_REFRESH_TOKEN_LIFETIME: timedelta
    JWT_ACCESS_TOKEN_LIFETIME: timedelta
    WEB_REFRESH_COOKIE_SECURE_SETTING: bool | None
    WEB_REFRESH_COOKIE_HTTP_ONLY: bool
    WEB_REFRESH_COOKIE_SAME_SITE_POLICY: Literal["Strict", "Lax", "None"] | None
    WEB_REFRESH_COOKIE_PATH: str
    USERNAME_FIELD: str
    TOKEN_CLAIM_USER_ATTRIBUTE_MAP: Mapping[str, ClaimSource]
    TOKEN_USER_ENCODER_CLS: type[json.JSONEncoder]
    TOKEN_USER_CLS: type
    JWT_ALGORITHM: Algorithm
    JWT_ISSUER: str | None
    JWT_AUDIENCE: str | None
    JWT_LEEWAY: timedelta
    JWT_UNKNOWN_KID_RELOAD_INTERVAL: timedelta
    SIGN_IN_THROTTLE_RATE: str | None
    SIGN_IN_ACCOUNT_THROTTLE_RATE: str | None
    JWT_KEY_RELOAD_INTERVAL: timedelta
    JWT_ROTATE_REFRESH_TOKENS: bool
    JWT_REFRESH_REUSE_GRACE: timedelta
    USE_STATELESS_AUTH: bool

    @property
    def WEB_REFRESH_COOKIE_SECURE(self) -> bool:  # noqa: N802 - named like the setting
        """Whether the refresh cookie is ``Secure``: by default ``not settings.DEBUG``, read now."""
        if self.WEB_REFRESH_COOKIE_SECURE_SETTING is None:
            return not settings.DEBUG
        return self.WEB_REFRESH_COOKIE_SECURE_SETTING

    @property
    def retention_period(self) -> timedelta:
        """How long a token signed now can be alive: what a retired key must keep verifying."""
        return self.JWT_REFRESH_TOKEN_LIFETIME + self.JWT_ACCESS_TOKEN_LIFETIME + self.JWT_LEEWAY


def _fail(key: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"NINJA_SIMPLE_JWT[{key!r}] {problem}")


def _string(key: str, value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        expected = "None or a non-empty string" if optional else "a non-empty string"
        raise _fail(key, f"must be {expected}, got {value!r}.")
    return value


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, f"must be True or False, got {value!r}.")
    return value


def _lifetime(key: str, value: Any) -> timedelta:
    if not isinstance(value, timedelta) or value.total_seconds() < 1:
        raise _fail(key, f"must be a datetime.timedelta of at least one second, got {value!r}.")
    return value


def _algorithm(key: str, value: Any) -> Algorithm:
    if value not in ALGORITHMS:
        raise _fail(key, f"must be one of {', '.join(map(repr, ALGORITHMS))}, got {value!r}.")
    return cast(Algorithm, value)


def _rate(key: str, value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and _RATE.fullmatch(value)):
        raise _fail(key, f'must be None (off) or a rate like "10/min" or "30/5m", got {value!r}.')
    return value


def _claim_map(key: str, value: Any) -> Mapping[str, ClaimSource]:
    if not isinstance(value, Mapping) or not value:
        raise _fail(key, f"must be a non-empty dict of claim -> attribute or callable: {value!r}")
    for claim, source in value.items():
        if not isinstance(claim, str) or not claim:
            raise _fail(key, f"has a claim name that is not a non-empty string: {claim!r}.")
        if claim in RESERVED_CLAIMS:
            raise _fail(key, f"maps {claim!r}, a claim the app sets itself. Rename that claim.")
        if not (isinstance(source, str) and source) and not callable(source):
            raise _fail(key, f"maps {claim!r} to {source!r}: use an attribute name or a callable.")
    return MappingProxyType(dict(value))


def _class(key: str, value: Any, base: type = object) -> Any:
    try:
        found = import_string(_string(key, value))
    except ImportError as exc:
        raise _fail(key, f"cannot be imported: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, base)):
        raise _fail(key, f"must name a class ({base.__name__} or a subclass), not {found!r}.")
    return found


def _samesite(key: str, value: Any) -> Literal["Strict", "Lax", "None"] | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in _SAME_SITE:
        raise _fail(key, f'must be "Strict", "Lax", "None" or None, got {value!r}.')
    return cast(Literal["Strict", "Lax", "None"], _SAME_SITE[value.lower()])


def build_jwt_settings(user_settings: Any) -> JwtSettings:
    """Validate ``user_settings`` over the defaults; ``ImproperlyConfigured`` names the key."""
    if not isinstance(user_settings, Mapping):
        raise ImproperlyConfigured(
            f"NINJA_SIMPLE_JWT must be a dict, got {type(user_settings).__name__}."
        )
    unknown = sorted(str(key) for key in user_settings if key not in DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"NINJA_SIMPLE_JWT has unknown setting(s) {', '.join(map(repr, unknown))}. "
            f"Known settings: {', '.join(DEFAULTS)}."
        )
    v = {**DEFAULTS, **user_settings}
    secure = v["WEB_REFRESH_COOKIE_SECURE"]
    if secure is not None and not isinstance(secure, bool):
        raise _fail("WEB_REFRESH_COOKIE_SECURE", f"must be True, False or None, got {secure!r}.")

    def check(key: str, validate: Callable[..., Any], *extra: Any) -> Any:
        return validate(key, v[key], *extra)

    result = JwtSettings(
        JWT_PRIVATE_KEY_STORAGE=check("JWT_PRIVATE_KEY_STORAGE", _string),
        JWT_PUBLIC_KEY_STORAGE=check("JWT_PUBLIC_KEY_STORAGE", _string),
        JWT_PRIVATE_KEY_PATH=check("JWT_PRIVATE_KEY_PATH", _string),
        JWT_PUBLIC_KEY_PATH=check("JWT_PUBLIC_KEY_PATH", _string),
        JWT_PREVIOUS_PUBLIC_KEYS_PATH=check("JWT_PREVIOUS_PUBLIC_KEYS_PATH", _string),
        JWT_PRIVATE_KEY=check("JWT_PRIVATE_KEY", _string, True),
        JWT_PUBLIC_KEY=check("JWT_PUBLIC_KEY", _string, True),
        JWT_PREVIOUS_PUBLIC_KEYS=check("JWT_PREVIOUS_PUBLIC_KEYS", _string, True),
        JWT_REFRESH_COOKIE_NAME=check("JWT_REFRESH_COOKIE_NAME", _string),
        JWT_REFRESH_TOKEN_LIFETIME=check("JWT_REFRESH_TOKEN_LIFETIME", _lifetime),
        JWT_ACCESS_TOKEN_LIFETIME=check("JWT_ACCESS_TOKEN_LIFETIME", _lifetime),
        WEB_REFRESH_COOKIE_SECURE_SETTING=secure,
        WEB_REFRESH_COOKIE_HTTP_ONLY=check("WEB_REFRESH_COOKIE_HTTP_ONLY", _boolean),
        WEB_REFRESH_COOKIE_SAME_SITE_POLICY=check("WEB_REFRESH_COOKIE_SAME_SITE_POLICY", _samesite),
        WEB_REFRESH_COOKIE_PATH=check("WEB_REFRESH_COOKIE_PATH", _string),
        USERNAME_FIELD=check("USERNAME_FIELD", _string),
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP=check("TOKEN_CLAIM_USER_ATTRIBUTE_MAP", _claim_map),
        TOKEN_USER_ENCODER_CLS=check("TOKEN_USER_ENCODER_CLS", _class, json.JSONEncoder),
        TOKEN_USER_CLS=check("TOKEN_USER_CLS", _class),
        JWT_ALGORITHM=check("JWT_ALGORITHM", _algorithm),
        JWT_ISSUER=check("JWT_ISSUER", _string, True),
        JWT_AUDIENCE=check("JWT_AUDIENCE", _string, True),
        JWT_LEEWAY=v["JWT_LEEWAY"],
        JWT_UNKNOWN_KID_RELOAD_INTERVAL=check("JWT_UNKNOWN_KID_RELOAD_INTERVAL", _lifetime),
        SIGN_IN_THROTTLE_RATE=check("SIGN_IN_THROTTLE_RATE", _rate),
        SIGN_IN_ACCOUNT_THROTTLE_RATE=check("SIGN_IN_ACCOUNT_THROTTLE_RATE", _rate),
        JWT_KEY_RELOAD_INTERVAL=check("JWT_KEY_RELOAD_INTERVAL", _lifetime),
        JWT_ROTATE_REFRESH_TOKENS=check("JWT_ROTATE_REFRESH_TOKENS", _boolean),
        JWT_REFRESH_REUSE_GRACE=v["JWT_REFRESH_REUSE_GRACE"],
        USE_STATELESS_AUTH=check("USE_STATELESS_AUTH", _boolean),
    )
    _check_relations(result)
    return result


def _check_relations(s: JwtSettings) -> None:
    """Rules between keys: each would otherwise fail later, at a worse moment."""
    if s.JWT_REFRESH_TOKEN_LIFETIME <= s.JWT_ACCESS_TOKEN_LIFETIME:
        raise _fail("JWT_REFRESH_TOKEN_LIFETIME", "must be longer than JWT_ACCESS_TOKEN_LIFETIME.")
    leeway = s.JWT_LEEWAY
    if not isinstance(leeway, timedelta) or leeway < timedelta(0):
        raise _fail("JWT_LEEWAY", f"must be a datetime.timedelta of zero or more, got {leeway!r}.")
    grace = s.JWT_REFRESH_REUSE_GRACE  # long, it would let a stolen token be replayed unseen
    if not isinstance(grace, timedelta) or not timedelta(0) <= grace <= timedelta(minutes=5):
        raise _fail("JWT_REFRESH_REUSE_GRACE", f"must be a timedelta of 0 to 5 minutes: {grace!r}")
    if leeway >= s.JWT_ACCESS_TOKEN_LIFETIME:
        # A leeway as long as the access lifetime would double how long tokens live.
        raise _fail("JWT_LEEWAY", "must be shorter than JWT_ACCESS_TOKEN_LIFETIME.")
    secure, name = s.WEB_REFRESH_COOKIE_SECURE_SETTING, s.JWT_REFRESH_COOKIE_NAME
    # Browsers drop SameSite=None cookies and __Secure- / __Host- names that are not Secure.
    if s.WEB_REFRESH_COOKIE_SAME_SITE_POLICY == "None" and secure is False:
        raise _fail("WEB_REFRESH_COOKIE_SAME_SITE_POLICY", '"None" needs a Secure cookie.')
    prefixed = name.startswith(("__Secure-", "__Host-"))
    if not _COOKIE_NAME.fullmatch(name) or (prefixed and secure is False):
        raise _fail("JWT_REFRESH_COOKIE_NAME", f"is not a cookie name (or not Secure): {name!r}.")
    path = s.WEB_REFRESH_COOKIE_PATH
    if not path.startswith("/") or any(char in path for char in ";, \t\r\n"):
        raise _fail("WEB_REFRESH_COOKIE_PATH", f'must be a path starting with "/", got {path!r}.')
    same_storage = s.JWT_PRIVATE_KEY_STORAGE == s.JWT_PUBLIC_KEY_STORAGE or (
        (DEFAULTS["JWT_PRIVATE_KEY_STORAGE"], DEFAULTS["JWT_PUBLIC_KEY_STORAGE"])
        == (s.JWT_PRIVATE_KEY_STORAGE, s.JWT_PUBLIC_KEY_STORAGE)
    )
    if same_storage and s.JWT_PRIVATE_KEY_PATH == s.JWT_PUBLIC_KEY_PATH:
        raise _fail("JWT_PUBLIC_KEY_PATH", "must differ from JWT_PRIVATE_KEY_PATH: one file.")
    previous = s.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    if previous == s.JWT_PUBLIC_KEY_PATH or (same_storage and previous == s.JWT_PRIVATE_KEY_PATH):
        raise _fail("JWT_PREVIOUS_PUBLIC_KEYS_PATH", "must differ from both key paths.")


@cache
def get_jwt_settings() -> JwtSettings:
    """The validated settings, cached; ``ImproperlyConfigured`` if ``NINJA_SIMPLE_JWT`` is bad."""
    return build_jwt_settings(getattr(settings, "NINJA_SIMPLE_JWT", None) or {})
