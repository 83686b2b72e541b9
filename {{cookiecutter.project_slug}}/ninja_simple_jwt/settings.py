"""Settings of ninja_simple_jwt: the ``NINJA_SIMPLE_JWT`` dict in Django settings.

Every key is optional. Values are validated once, cached, and re-read when Django's
``setting_changed`` signal fires (``override_settings``, pytest-django's ``settings``).
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

__all__ = [
    "DEFAULTS",
    "JWT_ALGORITHMS",
    "RESERVED_CLAIMS",
    "SETTINGS_NAME",
    "ClaimSource",
    "JwtAlgorithm",
    "JwtSettings",
    "SameSitePolicy",
    "build_jwt_settings",
    "clear_jwt_settings_cache",
    "get_jwt_settings",
    "ninja_simple_jwt_settings",
]

SETTINGS_NAME: Final = "NINJA_SIMPLE_JWT"

# Claims the app sets itself or that carry meaning to JWT validators; a user claim of
# the same name would silently replace or confuse them.
RESERVED_CLAIMS: Final = frozenset({"jti", "iat", "exp", "nbf", "token_type", "iss", "aud"})

ClaimSource = str | Callable[[Any], Any]
SameSitePolicy = Literal["Strict", "Lax", "None"]
JwtAlgorithm = Literal["RS256", "ES256", "EdDSA"]
# RS256: RSA 2048 bits; ES256: ECDSA on P-256; EdDSA: Ed25519.
JWT_ALGORITHMS: Final[tuple[JwtAlgorithm, ...]] = ("RS256", "ES256", "EdDSA")

DEFAULTS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "JWT_PRIVATE_KEY_STORAGE": "ninja_simple_jwt.storage.private_key_storage",
        "JWT_PUBLIC_KEY_STORAGE": "ninja_simple_jwt.storage.public_key_storage",
        "JWT_PRIVATE_KEY_PATH": "jwt-signing.pem",
        "JWT_PUBLIC_KEY_PATH": "jwt-signing.pub",
        "JWT_REFRESH_COOKIE_NAME": "refresh",
        "JWT_REFRESH_TOKEN_LIFETIME": timedelta(days=30),
        "JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
        # None means "not settings.DEBUG", decided each time the cookie is set.
        "WEB_REFRESH_COOKIE_SECURE": None,
        "WEB_REFRESH_COOKIE_HTTP_ONLY": True,
        "WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "Strict",
        "WEB_REFRESH_COOKIE_PATH": "/api/auth/web",
        "USERNAME_FIELD": "username",
        "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": MappingProxyType(
            {"user_id": "id", "username": "username", "last_login": "last_login"}
        ),
        "TOKEN_USER_ENCODER_CLS": "ninja_simple_jwt.jwt.json_encode.TokenUserEncoder",
        # The one algorithm tokens are signed and verified with (never the token's own "alg").
        "JWT_ALGORITHM": "RS256",
        # When set, written into every token as "iss" / "aud", and required on verification.
        "JWT_ISSUER": None,
        "JWT_AUDIENCE": None,
        # Clock skew tolerated between the instances that mint and verify (exp, iat, nbf).
        "JWT_LEEWAY": timedelta(seconds=10),
        # In the public key storage: the retired public keys that still verify tokens
        # (written by `make_rsa --rotate`).
        "JWT_PREVIOUS_PUBLIC_KEYS_PATH": "jwt-signing.previous.json",
        # A token with an unknown "kid" reloads the keys from storage at most this often.
        "JWT_UNKNOWN_KID_RELOAD_INTERVAL": timedelta(seconds=30),
        # Per client, for both sign-in endpoints together (django-ninja rate syntax); None: off.
        "SIGN_IN_THROTTLE_RATE": "10/min",
    }
)

_SAME_SITE_VALUES: Final[Mapping[str, SameSitePolicy]] = {
    "strict": "Strict",
    "lax": "Lax",
    "none": "None",
}
# RFC 6265 cookie-name: an RFC 7230 token.
_COOKIE_NAME_PATTERN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# django-ninja's throttle rate syntax: "<requests>/<period>", the period an optional whole
# multiple and a unit (s, sec, m, min, h, hour, d, day), e.g. "10/min" or "100/5m".
_THROTTLE_RATE_PATTERN: Final = re.compile(
    r"([1-9][0-9]*)/([1-9][0-9]*)?(s|sec|m|min|h|hour|d|day)"
)


@dataclass(frozen=True)
class JwtSettings:
    """The validated settings. Attribute names are the ``NINJA_SIMPLE_JWT`` keys."""

    JWT_PRIVATE_KEY_STORAGE: str
    JWT_PUBLIC_KEY_STORAGE: str
    JWT_PRIVATE_KEY_PATH: str
    JWT_PUBLIC_KEY_PATH: str
    JWT_REFRESH_COOKIE_NAME: str
    JWT_REFRESH_TOKEN_LIFETIME: timedelta
    JWT_ACCESS_TOKEN_LIFETIME: timedelta
    WEB_REFRESH_COOKIE_HTTP_ONLY: bool
    WEB_REFRESH_COOKIE_SAME_SITE_POLICY: SameSitePolicy | None
    WEB_REFRESH_COOKIE_PATH: str
    USERNAME_FIELD: str
    TOKEN_CLAIM_USER_ATTRIBUTE_MAP: Mapping[str, ClaimSource]
    TOKEN_USER_ENCODER_CLS: str
    JWT_ALGORITHM: JwtAlgorithm
    JWT_ISSUER: str | None
    JWT_AUDIENCE: str | None
    JWT_LEEWAY: timedelta
    JWT_PREVIOUS_PUBLIC_KEYS_PATH: str
    JWT_UNKNOWN_KID_RELOAD_INTERVAL: timedelta
    SIGN_IN_THROTTLE_RATE: str | None
    # The class named by TOKEN_USER_ENCODER_CLS, imported once.
    token_user_encoder_class: type[json.JSONEncoder]
    # The raw WEB_REFRESH_COOKIE_SECURE value; read it through the property below.
    web_refresh_cookie_secure_setting: bool | None

    @property
    def WEB_REFRESH_COOKIE_SECURE(self) -> bool:  # noqa: N802 - named like the setting key
        """Whether the refresh cookie is ``Secure``; by default ``not settings.DEBUG``, read now."""
        if self.web_refresh_cookie_secure_setting is None:
            return not settings.DEBUG
        return self.web_refresh_cookie_secure_setting


def _fail(key: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{SETTINGS_NAME}[{key!r}] {problem}")


def _non_empty_string(values: Mapping[str, Any], key: str) -> str:
    value = values[key]
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, f"must be a non-empty string, got {value!r}.")
    return value


def _boolean(values: Mapping[str, Any], key: str) -> bool:
    value = values[key]
    if not isinstance(value, bool):
        raise _fail(key, f"must be True or False, got {value!r}.")
    return value


def _positive_timedelta(values: Mapping[str, Any], key: str) -> timedelta:
    value = values[key]
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise _fail(key, f"must be a positive datetime.timedelta, got {value!r}.")
    if value.total_seconds() < 1:
        raise _fail(key, "must be at least one second (token times are whole seconds).")
    return value


def _optional_string(values: Mapping[str, Any], key: str) -> str | None:
    value = values[key]
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, f"must be None or a non-empty string, got {value!r}.")
    return value


def _algorithm(values: Mapping[str, Any], key: str) -> JwtAlgorithm:
    value = values[key]
    for algorithm in JWT_ALGORITHMS:
        if value == algorithm:
            return algorithm
    raise _fail(key, f"must be one of {', '.join(map(repr, JWT_ALGORITHMS))}, got {value!r}.")


def _throttle_rate(values: Mapping[str, Any], key: str) -> str | None:
    value = values[key]
    if value is None:
        return None
    if not isinstance(value, str) or not _THROTTLE_RATE_PATTERN.fullmatch(value):
        raise _fail(
            key,
            'must be None (no throttling) or a rate such as "10/min", "100/h" or "30/5m", '
            f"got {value!r}.",
        )
    return value


def _claim_map(values: Mapping[str, Any], key: str) -> Mapping[str, ClaimSource]:
    value = values[key]
    if not isinstance(value, Mapping) or not value:
        raise _fail(
            key, f"must be a non-empty dict of claim -> attribute name or callable, got {value!r}."
        )
    claim_map: dict[str, ClaimSource] = {}
    for claim, source in value.items():
        if not isinstance(claim, str) or not claim:
            raise _fail(key, f"has a claim name that is not a non-empty string: {claim!r}.")
        if claim in RESERVED_CLAIMS:
            raise _fail(
                key,
                f"maps the reserved claim {claim!r}; the app sets "
                f"{', '.join(sorted(RESERVED_CLAIMS))} itself. Rename that claim.",
            )
        if not (isinstance(source, str) and source) and not callable(source):
            raise _fail(
                key,
                f"maps claim {claim!r} to {source!r}: use an attribute name or a callable(user).",
            )
        claim_map[claim] = source
    return MappingProxyType(claim_map)


def _encoder_class(values: Mapping[str, Any], key: str) -> type[json.JSONEncoder]:
    path = _non_empty_string(values, key)
    try:
        imported = import_string(path)
    except ImportError as exc:
        raise _fail(key, f"cannot be imported: {exc}") from exc
    if not (isinstance(imported, type) and issubclass(imported, json.JSONEncoder)):
        raise _fail(key, f"must name a json.JSONEncoder subclass, {path!r} is {imported!r}.")
    return imported


def build_jwt_settings(user_settings: Mapping[str, Any]) -> JwtSettings:
    """Validate ``user_settings`` (the ``NINJA_SIMPLE_JWT`` dict) over the defaults.

    Raises ``ImproperlyConfigured`` naming the first offending key.
    """
    if not isinstance(user_settings, Mapping):
        raise ImproperlyConfigured(
            f"{SETTINGS_NAME} must be a dict, got {type(user_settings).__name__}."
        )
    unknown = sorted(str(key) for key in user_settings if key not in DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"{SETTINGS_NAME} has unknown setting {unknown[0]!r}"
            + (f" (and {', '.join(repr(key) for key in unknown[1:])})" if len(unknown) > 1 else "")
            + f". Known settings: {', '.join(DEFAULTS)}."
        )
    values: dict[str, Any] = {**DEFAULTS, **user_settings}

    access_lifetime = _positive_timedelta(values, "JWT_ACCESS_TOKEN_LIFETIME")
    refresh_lifetime = _positive_timedelta(values, "JWT_REFRESH_TOKEN_LIFETIME")
    if refresh_lifetime <= access_lifetime:
        raise _fail("JWT_REFRESH_TOKEN_LIFETIME", "must be longer than JWT_ACCESS_TOKEN_LIFETIME.")

    secure = values["WEB_REFRESH_COOKIE_SECURE"]
    if secure is not None and not isinstance(secure, bool):
        raise _fail(
            "WEB_REFRESH_COOKIE_SECURE", f"must be True, False or None (not DEBUG), got {secure!r}."
        )

    same_site_value = values["WEB_REFRESH_COOKIE_SAME_SITE_POLICY"]
    same_site: SameSitePolicy | None = None
    if same_site_value is not None:
        if not isinstance(same_site_value, str) or same_site_value.lower() not in _SAME_SITE_VALUES:
            raise _fail(
                "WEB_REFRESH_COOKIE_SAME_SITE_POLICY",
                f'must be "Strict", "Lax", "None" or None, got {same_site_value!r}.',
            )
        same_site = _SAME_SITE_VALUES[same_site_value.lower()]
    if same_site == "None" and secure is False:
        # Browsers drop SameSite=None cookies that are not Secure.
        raise _fail(
            "WEB_REFRESH_COOKIE_SAME_SITE_POLICY",
            '"None" requires WEB_REFRESH_COOKIE_SECURE to be True.',
        )

    cookie_name = _non_empty_string(values, "JWT_REFRESH_COOKIE_NAME")
    if not _COOKIE_NAME_PATTERN.fullmatch(cookie_name):
        raise _fail("JWT_REFRESH_COOKIE_NAME", f"is not a valid cookie name: {cookie_name!r}.")

    cookie_path = _non_empty_string(values, "WEB_REFRESH_COOKIE_PATH")
    if not cookie_path.startswith("/") or any(char in cookie_path for char in ";, \t\r\n"):
        raise _fail(
            "WEB_REFRESH_COOKIE_PATH", f'must be a URL path starting with "/", got {cookie_path!r}.'
        )

    leeway = values["JWT_LEEWAY"]
    if not isinstance(leeway, timedelta) or leeway < timedelta(0):
        raise _fail("JWT_LEEWAY", f"must be a datetime.timedelta of zero or more, got {leeway!r}.")
    if leeway >= access_lifetime:
        # A leeway as long as the access token lifetime would double how long tokens live.
        raise _fail("JWT_LEEWAY", "must be shorter than JWT_ACCESS_TOKEN_LIFETIME.")

    private_storage = _non_empty_string(values, "JWT_PRIVATE_KEY_STORAGE")
    public_storage = _non_empty_string(values, "JWT_PUBLIC_KEY_STORAGE")
    private_path = _non_empty_string(values, "JWT_PRIVATE_KEY_PATH")
    public_path = _non_empty_string(values, "JWT_PUBLIC_KEY_PATH")
    # The two default storages share one folder, so equal names there mean one file.
    default_storages = (DEFAULTS["JWT_PRIVATE_KEY_STORAGE"], DEFAULTS["JWT_PUBLIC_KEY_STORAGE"])
    if private_path == public_path and (
        private_storage == public_storage or (private_storage, public_storage) == default_storages
    ):
        raise _fail(
            "JWT_PUBLIC_KEY_PATH",
            "must differ from JWT_PRIVATE_KEY_PATH (both keys would be one file).",
        )
    previous_path = _non_empty_string(values, "JWT_PREVIOUS_PUBLIC_KEYS_PATH")
    if previous_path == public_path or (
        previous_path == private_path
        and (
            private_storage == public_storage
            or (private_storage, public_storage) == default_storages
        )
    ):
        raise _fail(
            "JWT_PREVIOUS_PUBLIC_KEYS_PATH",
            "must differ from JWT_PUBLIC_KEY_PATH and JWT_PRIVATE_KEY_PATH.",
        )

    return JwtSettings(
        JWT_PRIVATE_KEY_STORAGE=private_storage,
        JWT_PUBLIC_KEY_STORAGE=public_storage,
        JWT_PRIVATE_KEY_PATH=private_path,
        JWT_PUBLIC_KEY_PATH=public_path,
        JWT_REFRESH_COOKIE_NAME=cookie_name,
        JWT_REFRESH_TOKEN_LIFETIME=refresh_lifetime,
        JWT_ACCESS_TOKEN_LIFETIME=access_lifetime,
        WEB_REFRESH_COOKIE_HTTP_ONLY=_boolean(values, "WEB_REFRESH_COOKIE_HTTP_ONLY"),
        WEB_REFRESH_COOKIE_SAME_SITE_POLICY=same_site,
        WEB_REFRESH_COOKIE_PATH=cookie_path,
        USERNAME_FIELD=_non_empty_string(values, "USERNAME_FIELD"),
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP=_claim_map(values, "TOKEN_CLAIM_USER_ATTRIBUTE_MAP"),
        TOKEN_USER_ENCODER_CLS=values["TOKEN_USER_ENCODER_CLS"],
        token_user_encoder_class=_encoder_class(values, "TOKEN_USER_ENCODER_CLS"),
        JWT_ALGORITHM=_algorithm(values, "JWT_ALGORITHM"),
        JWT_ISSUER=_optional_string(values, "JWT_ISSUER"),
        JWT_AUDIENCE=_optional_string(values, "JWT_AUDIENCE"),
        JWT_LEEWAY=leeway,
        JWT_PREVIOUS_PUBLIC_KEYS_PATH=previous_path,
        JWT_UNKNOWN_KID_RELOAD_INTERVAL=_positive_timedelta(
            values, "JWT_UNKNOWN_KID_RELOAD_INTERVAL"
        ),
        SIGN_IN_THROTTLE_RATE=_throttle_rate(values, "SIGN_IN_THROTTLE_RATE"),
        web_refresh_cookie_secure_setting=secure,
    )


@cache
def get_jwt_settings() -> JwtSettings:
    """The current settings, validated once and cached until a relevant setting changes."""
    user_settings = getattr(settings, SETTINGS_NAME, None)
    return build_jwt_settings({} if user_settings is None else user_settings)


def clear_jwt_settings_cache() -> None:
    """Forget the cached settings; the next read validates ``NINJA_SIMPLE_JWT`` again."""
    get_jwt_settings.cache_clear()


class _JwtSettingsProxy:
    """Reads each attribute from the current settings: a module-level import never goes stale."""

    def __getattr__(self, name: str) -> Any:
        return getattr(get_jwt_settings(), name)

    def __repr__(self) -> str:
        return f"<ninja_simple_jwt_settings {get_jwt_settings()!r}>"


# The library's name for the settings object; typed as JwtSettings for callers.
ninja_simple_jwt_settings: Final = cast(JwtSettings, _JwtSettingsProxy())
