"""System checks (``manage.py check``): the settings, the keys and ``USERNAME_FIELD``.

Imported by ``NinjaSimpleJwtConfig.ready()``, which registers them. Not deploy-only: a missing
or broken key pair breaks every sign-in, so it is reported wherever Django runs its checks. The
deploy check W002 (``check --deploy``) warns when throttling counts in a per-process cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.keys.diagnosis import diagnose_keys

__all__ = ["CHECK_IDS"]

CHECK_IDS: Final = {
    "settings": "ninja_simple_jwt.E001",
    "missing": "ninja_simple_jwt.E002",
    "unreadable": "ninja_simple_jwt.E003",
    "invalid": "ninja_simple_jwt.E004",
    "mismatch": "ninja_simple_jwt.E005",
    "permissions": "ninja_simple_jwt.E006",
    "username_field": "ninja_simple_jwt.E007",
    "algorithm": "ninja_simple_jwt.E008",
    "previous_keys": "ninja_simple_jwt.E009",
    "username_field_not_unique": "ninja_simple_jwt.W001",
    "cache_per_process": "ninja_simple_jwt.W002",
}
# Caches whose counts no other worker sees (or that keep none).
_PER_PROCESS_CACHES: Final = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def _settings_error(app_configs: Sequence[AppConfig] | None) -> list[checks.CheckMessage] | None:
    """``[]`` if these checks should not run, the E001 error if the settings are bad, or None."""
    # "manage.py check some_app" passes app_configs: run only when this app is among them.
    if app_configs is not None and not any(c.name == "ninja_simple_jwt" for c in app_configs):
        return []
    try:
        get_jwt_settings()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="Fix NINJA_SIMPLE_JWT in your Django settings.",
                id=CHECK_IDS["settings"],
            )
        ]
    return None


@checks.register("ninja_simple_jwt")
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``NINJA_SIMPLE_JWT`` has only known keys and valid values."""
    return _settings_error(app_configs) or []


@checks.register("ninja_simple_jwt")
def check_keys(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The key pair exists, is readable, fits JWT_ALGORITHM and matches; the private key file is
    private; the previous-keys document, if any, is usable."""
    if _settings_error(app_configs) is not None:
        return []
    try:
        problems = diagnose_keys()
    except Exception as exc:
        # A storage that fails in a way the diagnosis did not foresee is still a report.
        return [
            checks.Error(
                f"Cannot inspect the JWT keys: {type(exc).__name__}: {exc}",
                hint="Check the key storages (JWT_*_KEY_STORAGE in NINJA_SIMPLE_JWT, STORAGES).",
                id=CHECK_IDS["unreadable"],
            )
        ]
    return [checks.Error(p.message, hint=p.hint, id=CHECK_IDS[p.kind]) for p in problems]


@checks.register("ninja_simple_jwt")
def check_username_field(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The ``USERNAME_FIELD`` setting names a field of the user model, a unique one."""
    if _settings_error(app_configs) is not None:
        return []
    field_name = get_jwt_settings().USERNAME_FIELD
    try:
        user_model = get_user_model()
    except ImproperlyConfigured:
        return []  # Django's own checks report a broken AUTH_USER_MODEL
    label = user_model._meta.label
    try:
        field = user_model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return [
            checks.Error(
                f"NINJA_SIMPLE_JWT['USERNAME_FIELD'] is {field_name!r}, not a field of {label}.",
                hint=f"Use a unique field of the user model, e.g. {user_model.USERNAME_FIELD!r}.",
                id=CHECK_IDS["username_field"],
            )
        ]
    if not getattr(field, "unique", False):
        return [
            checks.Warning(
                f"NINJA_SIMPLE_JWT['USERNAME_FIELD'] is {field_name!r}, which is not unique on "
                f"{label}: users sharing a value cannot sign in.",
                hint=f"Declare {label}.{field_name} with unique=True.",
                id=CHECK_IDS["username_field_not_unique"],
            )
        ]
    return []


@checks.register("ninja_simple_jwt", deploy=True)
def check_throttle_cache(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Sign-in throttling counts in the default cache: one per process multiplies the limits."""
    if _settings_error(app_configs) is not None:
        return []
    jwt_settings = get_jwt_settings()
    if (
        jwt_settings.SIGN_IN_THROTTLE_RATE is None
        and jwt_settings.SIGN_IN_ACCOUNT_THROTTLE_RATE is None
    ):
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in _PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            f"Sign-in throttling counts in the default cache, {backend}, which each process "
            "keeps for itself: every worker and instance allows the whole rate again.",
            hint="Use a shared cache: Redis (REDIS_URL in production) or the database cache.",
            id=CHECK_IDS["cache_per_process"],
        )
    ]
