"""Django app configuration of ninja_simple_jwt."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed


def _forget_cached_settings(*, setting: str, **kwargs: Any) -> None:
    """Let ``override_settings`` and pytest-django's ``settings`` fixture apply at once."""
    from ninja_simple_jwt.conf import get_jwt_settings
    from ninja_simple_jwt.keys.cache import key_cache
    from ninja_simple_jwt.tokens import forget_verified_tokens

    if setting in ("NINJA_SIMPLE_JWT", "DEBUG", "AUTH_USER_MODEL"):
        get_jwt_settings.cache_clear()
        forget_verified_tokens()
    if setting in ("NINJA_SIMPLE_JWT", "STORAGES"):
        key_cache.clear()


class NinjaSimpleJwtConfig(AppConfig):
    name = "ninja_simple_jwt"
    verbose_name = "Ninja simple JWT"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ninja_simple_jwt import checks  # noqa: F401 - registers the system checks

        setting_changed.connect(_forget_cached_settings, dispatch_uid="ninja_simple_jwt")
