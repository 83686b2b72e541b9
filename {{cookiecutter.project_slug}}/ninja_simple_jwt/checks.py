"""System checks (``manage.py check``): the settings, the keys and ``USERNAME_FIELD``.

Registered by ``NinjaSimpleJwtConfig.ready()``. Not deploy-only: a broken key pair breaks every
sign-in. Bad settings (E001) are reported alone, since every other check reads them.
"""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Sequence
from typing import Any, Final

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import MAKE_KEYS, MAKE_KEYS_FORCE
from ninja_simple_jwt.keys.algorithms import key_id
from ninja_simple_jwt.keys.reader import (
    KeyMaterialError,
    KeyMissingError,
    read_previous_keys,
    read_private_key,
    read_public_key,
    replace_keys_hint,
)
from ninja_simple_jwt.keys.storage import key_storage

# Caches whose counts no other worker sees (or that keep none).
_PER_PROCESS_CACHES: Final = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def _selected(app_configs: Sequence[AppConfig] | None) -> bool:
    # "manage.py check some_app" passes app_configs: run only when this app is among them.
    return app_configs is None or any(c.name == "ninja_simple_jwt" for c in app_configs)


def _settings_errors() -> list[checks.CheckMessage]:
    """E001: ``NINJA_SIMPLE_JWT`` has an unknown key or a bad value."""
    try:
        get_jwt_settings()
    except ImproperlyConfigured as exc:
        hint = "Fix NINJA_SIMPLE_JWT in your Django settings."
        return [checks.Error(str(exc), hint=hint, id="ninja_simple_jwt.E001")]
    return []


@checks.register("ninja_simple_jwt")
def check_app(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The settings; if they are good, the keys and ``USERNAME_FIELD``."""
    if not _selected(app_configs):
        return []
    return _settings_errors() or _key_errors() + _username_field_errors()


def _key_errors() -> list[checks.CheckMessage]:
    """The key pair exists, is readable, fits JWT_ALGORITHM and matches; the private key file is
    private; the previous-keys document, if any, is usable. Read from storage, not the cache."""
    errors: list[checks.CheckMessage] = []
    missing: dict[str, str] = {}
    kids: dict[str, str] = {}
    readers = {"private": lambda: read_private_key().public_key(), "public": read_public_key}
    for which, read in readers.items():
        try:
            kids[which] = key_id(read())
        except KeyMissingError as exc:
            missing[which] = exc.location
        except KeyMaterialError as exc:
            errors.append(checks.Error(str(exc), hint=exc.hint, id=exc.check_id))
    if missing:
        # make_jwt_key alone leaves an existing half of a pair alone; --force replaces both.
        hint = f"Run `{MAKE_KEYS if len(missing) == 2 else MAKE_KEYS_FORCE}`."
        message = f"JWT key file missing: {', '.join(missing.values())}"
        errors.append(checks.Error(message, hint=hint, id="ninja_simple_jwt.E002"))
    if len(set(kids.values())) == 2:
        message = "The JWT public key does not belong to the private key: no token would verify."
        errors.append(checks.Error(message, hint=replace_keys_hint(), id="ninja_simple_jwt.E005"))
    if "private" not in missing and os.name == "posix":
        errors.extend(_private_key_mode_errors())
    if "public" in kids:  # the document lives beside it: an unreadable storage is said once
        try:
            read_previous_keys()
        except KeyMaterialError as exc:
            errors.append(checks.Error(str(exc), hint=exc.hint, id=exc.check_id))
    return errors


def _private_key_mode_errors() -> list[checks.CheckMessage]:
    try:
        path = key_storage("private").path(get_jwt_settings().JWT_PRIVATE_KEY_PATH)
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except Exception:  # no file mode in remote storages; no file: reported above
        return []
    if not mode & 0o077:
        return []
    message = f"The JWT private key {path} has mode {mode:04o}: group or others can access it."
    hint = f"Run `chmod 600 {shlex.quote(path)}`."
    return [checks.Error(message, hint=hint, id="ninja_simple_jwt.E006")]


def _username_field_errors() -> list[checks.CheckMessage]:
    """The ``USERNAME_FIELD`` setting names a field of the user model, a unique one."""
    field_name = get_jwt_settings().USERNAME_FIELD
    try:
        user_model = get_user_model()
    except ImproperlyConfigured:
        return []  # Django's own checks report a broken AUTH_USER_MODEL
    label = user_model._meta.label
    setting = f"NINJA_SIMPLE_JWT['USERNAME_FIELD'] is {field_name!r}"
    try:
        field = user_model._meta.get_field(field_name)
    except FieldDoesNotExist:
        hint = f"Use a unique field of the user model, e.g. {user_model.USERNAME_FIELD!r}."
        message = f"{setting}, not a field of {label}."
        return [checks.Error(message, hint=hint, id="ninja_simple_jwt.E007")]
    if getattr(field, "unique", False):
        return []
    message = f"{setting}, which is not unique on {label}: users sharing a value cannot sign in."
    hint = f"Declare {label}.{field_name} with unique=True."
    return [checks.Warning(message, hint=hint, id="ninja_simple_jwt.W001")]


@checks.register("ninja_simple_jwt", deploy=True)
def check_throttle_cache(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Sign-in throttling counts in the default cache: one per process multiplies the limits."""
    if not _selected(app_configs) or _settings_errors():
        return []
    jwt_settings = get_jwt_settings()
    rates = (jwt_settings.SIGN_IN_THROTTLE_RATE, jwt_settings.SIGN_IN_ACCOUNT_THROTTLE_RATE)
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if rates == (None, None) or backend not in _PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            f"Sign-in throttling counts in the default cache, {backend}, which each process "
            "keeps for itself: every worker and instance allows the whole rate again.",
            hint="Use a shared cache: Redis (REDIS_URL in production) or the database cache.",
            id="ninja_simple_jwt.W002",
        )
    ]
