"""System checks (``python manage.py check``): settings, keys and USERNAME_FIELD.

Registered by ``NinjaSimpleJwtConfig.ready()``. Not deploy-only: a missing or broken key pair
would break every sign-in, so it is reported wherever Django runs its checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from ninja_simple_jwt.jwt.keys import diagnose_keys
from ninja_simple_jwt.settings import SETTINGS_NAME, get_jwt_settings

__all__ = [
    "CHECK_IDS",
    "TAG",
    "check_key_pair",
    "check_settings",
    "check_username_field",
    "register_checks",
]

TAG: Final = "ninja_simple_jwt"
APP_LABEL: Final = "ninja_simple_jwt"

CHECK_IDS: Final = {
    "settings": "ninja_simple_jwt.E001",
    "missing": "ninja_simple_jwt.E002",
    "unreadable": "ninja_simple_jwt.E003",
    "invalid": "ninja_simple_jwt.E004",
    "mismatch": "ninja_simple_jwt.E005",
    "permissions": "ninja_simple_jwt.E006",
    "username_field": "ninja_simple_jwt.E007",
    "username_field_not_unique": "ninja_simple_jwt.W001",
    # A key of the wrong kind for JWT_ALGORITHM (e.g. an RSA key under ES256).
    "algorithm": "ninja_simple_jwt.E008",
    # The previous-keys document (make_rsa --rotate) is unreadable or garbled.
    "previous_keys": "ninja_simple_jwt.E009",
}


def _skipped(app_configs: Sequence[AppConfig] | None) -> bool:
    # "manage.py check some_app" passes app_configs: run only when this app is among them.
    return app_configs is not None and not any(config.name == APP_LABEL for config in app_configs)


def _settings_are_valid() -> bool:
    try:
        get_jwt_settings()
    except ImproperlyConfigured:
        return False
    return True


def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``NINJA_SIMPLE_JWT`` has only known keys and valid values."""
    if _skipped(app_configs):
        return []
    try:
        get_jwt_settings()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint=f"Fix {SETTINGS_NAME} in your Django settings.",
                id=CHECK_IDS["settings"],
            )
        ]
    return []


def check_key_pair(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The key pair exists, is readable, parses, fits JWT_ALGORITHM and matches; the private key
    file is private; the previous-keys document, if any, is usable."""
    if _skipped(app_configs) or not _settings_are_valid():
        return []
    try:
        problems = diagnose_keys()
    except Exception as exc:
        # A storage backend failing in a way diagnose_keys did not foresee is still a report.
        return [
            checks.Error(
                f"Cannot inspect the JWT key pair: {type(exc).__name__}: {exc}",
                hint="Check the key storage settings (JWT_*_KEY_STORAGE in NINJA_SIMPLE_JWT).",
                id=CHECK_IDS["unreadable"],
            )
        ]
    return [
        checks.Error(problem.message, hint=problem.hint, id=CHECK_IDS[problem.kind])
        for problem in problems
    ]


def check_username_field(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The ``USERNAME_FIELD`` setting names a field of the user model; a unique one."""
    if _skipped(app_configs) or not _settings_are_valid():
        return []
    field_name = get_jwt_settings().USERNAME_FIELD
    try:
        user_model = get_user_model()
    except ImproperlyConfigured:
        return []  # Django's own checks report a broken AUTH_USER_MODEL.
    try:
        field = user_model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return [
            checks.Error(
                f"{SETTINGS_NAME}['USERNAME_FIELD'] is {field_name!r}, which is not a field of "
                f"{user_model._meta.label}.",
                hint=f"Use a unique field of the user model, e.g. {user_model.USERNAME_FIELD!r}.",
                id=CHECK_IDS["username_field"],
            )
        ]
    if not getattr(field, "unique", False):
        return [
            checks.Warning(
                f"{SETTINGS_NAME}['USERNAME_FIELD'] is {field_name!r}, which is not unique on "
                f"{user_model._meta.label}: users sharing a value cannot sign in.",
                hint=f"Declare {user_model._meta.label}.{field_name} with unique=True.",
                id=CHECK_IDS["username_field_not_unique"],
            )
        ]
    return []


def register_checks() -> None:
    """Register the checks (idempotent: Django's registry is a set of functions)."""
    checks.register(check_settings, TAG)
    checks.register(check_key_pair, TAG)
    checks.register(check_username_field, TAG)
