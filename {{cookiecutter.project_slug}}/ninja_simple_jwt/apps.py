"""Django app configuration of ninja_simple_jwt."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed

__all__ = ["NinjaSimpleJwtConfig"]

# Settings whose change invalidates the cached settings / the cached keys.
_SETTINGS_CACHE_TRIGGERS = frozenset({"NINJA_SIMPLE_JWT", "DEBUG", "AUTH_USER_MODEL"})
_KEY_CACHE_TRIGGERS = frozenset({"NINJA_SIMPLE_JWT", "BASE_DIR"})


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    """Let ``override_settings`` and pytest-django's ``settings`` fixture take effect at once."""
    from ninja_simple_jwt.jwt.keys import clear_key_cache
    from ninja_simple_jwt.settings import clear_jwt_settings_cache

    if setting in _SETTINGS_CACHE_TRIGGERS:
        clear_jwt_settings_cache()
    if setting in _KEY_CACHE_TRIGGERS:
        clear_key_cache()


class NinjaSimpleJwtConfig(AppConfig):
    name = "ninja_simple_jwt"
    verbose_name = "Ninja simple JWT"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ninja_simple_jwt.checks import register_checks

        register_checks()
        setting_changed.connect(
            _on_setting_changed, dispatch_uid="ninja_simple_jwt.setting_changed"
        )
