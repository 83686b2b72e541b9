"""Settings of ninja_simple_jwt: the ``NINJA_SIMPLE_JWT`` dict in Django settings.

Every key is optional. ``JwtSettings`` names each key once, with its type and default; the dict
is validated strictly (``900`` is not a timedelta) on first use, not at import, so a bad value
is a ``manage.py check`` error (E001), not a traceback. Cached until ``setting_changed`` fires.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cache
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ImportString
from pydantic_core import PydanticCustomError, ValidationError

__all__ = ["ALGORITHMS", "DEFAULTS", "Algorithm", "JwtSettings", "get_jwt_settings"]

Algorithm = Literal["RS256", "ES256", "EdDSA"]
# RS256: RSA of 2048 bits or more; ES256: ECDSA on P-256; EdDSA: Ed25519.
ALGORITHMS: Final[tuple[Algorithm, ...]] = ("RS256", "ES256", "EdDSA")
# Claims the app sets itself or that JWT validators give a meaning to.
RESERVED_CLAIMS: Final = frozenset({"jti", "sid", "iat", "exp", "nbf", "token_type", "iss", "aud"})


def _must(should: str, test: Callable[[str], object]) -> BeforeValidator:
    """Refuse, as ``Input should be <should>``, a value that is not a string passing ``test``."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and test(value):
            return value
        raise PydanticCustomError("invalid_setting", f"Input should be {should}")

    return BeforeValidator(check)


Text = Annotated[str, _must("a non-blank string", str.strip)]
Duration = Annotated[timedelta, Field(ge=timedelta(0))]
Lifetime = Annotated[timedelta, Field(ge=timedelta(seconds=1))]
# django-ninja's rate syntax: "10/min", "100/h", "30/5m".
_RATE: Final = re.compile(r"[1-9][0-9]*/([1-9][0-9]*)?(s|sec|m|min|h|hour|d|day)")
Rate = Annotated[str, _must('a rate like "10/min" or "30/5m"', _RATE.fullmatch)]
_COOKIE_NAME: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 6265
CookieName = Annotated[str, _must("a cookie name", _COOKIE_NAME.fullmatch)]
_COOKIE_PATH: Final = re.compile(r"/[^;,\s]*")
CookiePath = Annotated[str, _must('a path: "/" then no ";", "," or space', _COOKIE_PATH.fullmatch)]
SameSite = Annotated[
    Literal["Strict", "Lax", "None"],
    BeforeValidator(lambda value: value.capitalize() if isinstance(value, str) else value),
]
Claim = Annotated[Text, _must("a claim the app does not set", lambda c: c not in RESERVED_CLAIMS)]
ClaimSource = Annotated[str, _must("an attribute name or a callable", bool)] | Callable[[Any], Any]


class JwtSettings(BaseModel):
    """The validated settings; attribute names are the ``NINJA_SIMPLE_JWT`` keys."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True, frozen=True)

    # A STORAGES alias, or (as in the library) the import string of a Storage instance.
    # The project's STORAGES declares both aliases: files in its root, S3 in production.
    JWT_PRIVATE_KEY_STORAGE: Text = "jwt_private_key"
    JWT_PUBLIC_KEY_STORAGE: Text = "jwt_public_key"
    JWT_PRIVATE_KEY_PATH: Text = "jwt-signing.pem"
    JWT_PUBLIC_KEY_PATH: Text = "jwt-signing.pub"
    # In the public key storage: the retired public keys that still verify tokens.
    JWT_PREVIOUS_PUBLIC_KEYS_PATH: Text = "jwt-signing.previous.json"
    # Key text (PEM; a previous-keys document) used instead of the storages when set.
    JWT_PRIVATE_KEY: Text | None = None
    JWT_PUBLIC_KEY: Text | None = None
    JWT_PREVIOUS_PUBLIC_KEYS: Text | None = None
    JWT_REFRESH_COOKIE_NAME: CookieName = "refresh"
    JWT_REFRESH_TOKEN_LIFETIME: Lifetime = timedelta(days=30)
    JWT_ACCESS_TOKEN_LIFETIME: Lifetime = timedelta(minutes=15)
    # A session ends this long after its sign-in, however often it is refreshed.
    JWT_SESSION_MAX_LIFETIME: Lifetime = timedelta(days=90)
    # None: not settings.DEBUG, read when the cookie is set (see the property of that name).
    WEB_REFRESH_COOKIE_SECURE_SETTING: bool | None = Field(None, alias="WEB_REFRESH_COOKIE_SECURE")
    WEB_REFRESH_COOKIE_HTTP_ONLY: bool = True
    WEB_REFRESH_COOKIE_SAME_SITE_POLICY: SameSite | None = "Strict"
    WEB_REFRESH_COOKIE_PATH: CookiePath = "/api/auth/web"
    # The user-model field that the sign-in body's "username" is matched against.
    USERNAME_FIELD: Text = "username"
    TOKEN_CLAIM_USER_ATTRIBUTE_MAP: Annotated[
        Mapping[Claim, ClaimSource], Field(min_length=1), AfterValidator(MappingProxyType)
    ] = {"user_id": "id", "username": "username", "last_login": "last_login"}
    # Import strings, imported when validated (mypy knows the classes: hence the casts).
    TOKEN_USER_ENCODER_CLS: ImportString[type[json.JSONEncoder]] = cast(
        Any, "ninja_simple_jwt.jwt.json_encode.TokenUserEncoder"
    )
    # What HttpJwtAuth puts on request.user (stateless mode); built from the claims.
    TOKEN_USER_CLS: ImportString[type] = cast(Any, "ninja_simple_jwt.authentication.TokenUser")
    # The one algorithm tokens are signed and verified with, never the token's own "alg".
    JWT_ALGORITHM: Algorithm = "RS256"
    # When set, written into every token as "iss" / "aud" and required on verification.
    JWT_ISSUER: Text | None = None
    JWT_AUDIENCE: Text | None = None
    # Clock skew tolerated between the machines that mint and verify (exp, iat, nbf).
    JWT_LEEWAY: Duration = timedelta(seconds=10)
    # Per client, both sign-in endpoints together, in django-ninja's rate syntax; None: off.
    SIGN_IN_THROTTLE_RATE: Rate | None = "10/min"
    # Failed sign-ins and password changes per account, from any client; None: off.
    SIGN_IN_ACCOUNT_THROTTLE_RATE: Rate | None = "10/15m"
    # Every process re-reads the keys this often (a rotation reaches it within this), and a
    # token with an unknown "kid" makes it re-read them at most this often.
    JWT_KEY_RELOAD_INTERVAL: Lifetime = timedelta(minutes=1)
    # Each refresh answers a new refresh token (see sessions.py). Off, as in the library.
    JWT_ROTATE_REFRESH_TOKENS: bool = False
    # How long the token just replaced is a retry (answered), not reuse (revoked).
    JWT_REFRESH_REUSE_GRACE: Duration = Field(timedelta(seconds=5), le=timedelta(minutes=5))
    # False: HttpJwtAuth checks the session and user on every request (one query).
    USE_STATELESS_AUTH: bool = True

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


DEFAULTS: Final[Mapping[str, Any]] = MappingProxyType(
    {field.alias or name: field.get_default() for name, field in JwtSettings.model_fields.items()}
)


def _fail(key: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"NINJA_SIMPLE_JWT[{key!r}] {problem}")


def build_jwt_settings(user_settings: Any) -> JwtSettings:
    """Validate ``user_settings`` over the defaults; ``ImproperlyConfigured`` names the key."""
    try:
        built = JwtSettings.model_validate(user_settings)
    except ValidationError as exc:
        error = exc.errors()[0]  # the first is enough to name the key
        where = "".join(f"[{part!r}]" for part in error["loc"][:2])  # a key, a claim of the map
        if error["type"] == "extra_forbidden":
            problem = f"is not a setting. Known settings: {', '.join(DEFAULTS)}."
        else:  # a long value (a private key of the wrong type) is not printed
            shown = repr(error["input"])
            shown = shown if len(shown) <= 60 else f"a {type(error['input']).__name__}"
            problem = f"is {shown}: {error['msg']}."
        raise ImproperlyConfigured(f"NINJA_SIMPLE_JWT{where} {problem}") from exc
    _check_relations(built)
    return built


def _check_relations(s: JwtSettings) -> None:
    """Rules between keys: each would otherwise fail later, at a worse moment."""
    if s.JWT_REFRESH_TOKEN_LIFETIME <= s.JWT_ACCESS_TOKEN_LIFETIME:
        raise _fail("JWT_REFRESH_TOKEN_LIFETIME", "must be longer than JWT_ACCESS_TOKEN_LIFETIME.")
    if s.JWT_LEEWAY >= s.JWT_ACCESS_TOKEN_LIFETIME:
        # A leeway as long as the access lifetime would double how long tokens live.
        raise _fail("JWT_LEEWAY", "must be shorter than JWT_ACCESS_TOKEN_LIFETIME.")
    # Browsers drop SameSite=None cookies and __Secure- / __Host- names that are not Secure.
    not_secure = s.WEB_REFRESH_COOKIE_SECURE_SETTING is False
    if not_secure and s.WEB_REFRESH_COOKIE_SAME_SITE_POLICY == "None":
        raise _fail("WEB_REFRESH_COOKIE_SAME_SITE_POLICY", '"None" needs a Secure cookie.')
    if not_secure and s.JWT_REFRESH_COOKIE_NAME.startswith(("__Secure-", "__Host-")):
        raise _fail("JWT_REFRESH_COOKIE_NAME", "with a __Secure- or __Host- prefix needs Secure.")
    # Two storages are one folder when named alike, or both the defaults (the project's root).
    private, public = s.JWT_PRIVATE_KEY_STORAGE, s.JWT_PUBLIC_KEY_STORAGE
    default = DEFAULTS["JWT_PRIVATE_KEY_STORAGE"], DEFAULTS["JWT_PUBLIC_KEY_STORAGE"]
    same_storage = private == public or (private, public) == default
    if same_storage and s.JWT_PRIVATE_KEY_PATH == s.JWT_PUBLIC_KEY_PATH:
        raise _fail("JWT_PUBLIC_KEY_PATH", "must differ from JWT_PRIVATE_KEY_PATH: one file.")
    previous = s.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    if previous == s.JWT_PUBLIC_KEY_PATH or (same_storage and previous == s.JWT_PRIVATE_KEY_PATH):
        raise _fail("JWT_PREVIOUS_PUBLIC_KEYS_PATH", "must differ from both key paths.")


@cache
def get_jwt_settings() -> JwtSettings:
    """The validated settings, cached; ``ImproperlyConfigured`` if ``NINJA_SIMPLE_JWT`` is bad."""
    return build_jwt_settings(getattr(settings, "NINJA_SIMPLE_JWT", None) or {})
