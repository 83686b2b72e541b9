"""The ``NINJA_SIMPLE_JWT`` settings (``conf.py``) and their system checks (``checks.py``).

A mistyped key or a bad value must be named, by ``manage.py check`` as ``ninja_simple_jwt.E001``
rather than by a traceback: the settings are validated when first used, never at import, so a
broken ``NINJA_SIMPLE_JWT`` cannot stop Django from starting far enough to report it.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from ninja.throttling import SimpleRateThrottle
from ninja_simple_jwt.conf import DEFAULTS, build_jwt_settings, get_jwt_settings
from ninja_simple_jwt.sessions import start_session
from ninja_simple_jwt.tests.keyfiles import keys_in

E001 = "ninja_simple_jwt.E001"


def app_check_ids() -> list[str]:
    """The IDs that the app's checks report (``manage.py check --tag ninja_simple_jwt``)."""
    return sorted(str(message.id) for message in run_checks(tags=["ninja_simple_jwt"]))


def lifetime(user: Any, token_type: str) -> int:
    tokens = start_session(user)
    claims = (tokens.access if token_type == "access" else tokens.refresh).claims
    return int(claims["exp"] - claims["iat"])


def manage(
    tmp_path: Path, *arguments: str, base_dir: Path | None = None, **jwt: str
) -> tuple[int, str]:
    """Run ``manage.py`` in a new process with the test settings and ``jwt`` changes in
    ``NINJA_SIMPLE_JWT``: its exit status and everything it printed."""
    settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
    # The project's root as its settings module sets it; ``base_dir`` moves it (and the keys).
    project_root = Path(import_module(settings_module).BASE_DIR)
    lines = [
        "from pathlib import Path",
        f"from {settings_module} import *",
        'ROOT_URLCONF = "ninja_simple_jwt.tests.urls"',
        f"NINJA_SIMPLE_JWT = dict(NINJA_SIMPLE_JWT, **{jwt!r})",
    ]
    if base_dir is not None:
        lines.append(f"BASE_DIR = Path({str(base_dir)!r})")
    (tmp_path / "jwt_check_settings.py").write_text("\n".join(lines) + "\n")
    python_path = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jwt_check_settings",
        "PYTHONPATH": os.pathsep.join(python_path),
    }
    finished = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *arguments],
        cwd=project_root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return finished.returncode, finished.stdout + finished.stderr


def test_check_reports_a_bad_setting_by_name_without_a_traceback(tmp_path: Path) -> None:
    """SECURITY.md 2: a symmetric algorithm is refused, and said so by ``manage.py check``.

    In a real process: nothing may read the settings while Django starts (app loading, the
    URLconf that the URL checks import), or the answer would be a traceback."""
    status, output = manage(tmp_path, "check", JWT_ALGORITHM="HS256")

    assert status == 1, output
    assert f"({E001}) NINJA_SIMPLE_JWT['JWT_ALGORITHM']" in output, output
    assert "'HS256'" in output, output
    assert "Traceback" not in output, output


def test_check_passes_with_good_settings_and_keys(tmp_path: Path, keys: Path) -> None:
    status, output = manage(tmp_path, "check", base_dir=keys)

    assert status == 0, output
    assert "ninja_simple_jwt." not in output, output


def test_other_checks_stay_silent_while_the_settings_are_bad(
    settings: Any, change_settings: Any, tmp_path: Path
) -> None:
    # Keys that do not exist and a USERNAME_FIELD the user model lacks: each reported...
    settings.STORAGES = keys_in(tmp_path)
    change_settings(USERNAME_FIELD="no_such_field")
    reported = app_check_ids()
    assert "ninja_simple_jwt.E002" in reported
    assert "ninja_simple_jwt.E007" in reported

    # ...but not on settings that are bad: the key and field checks would read them.
    change_settings(JWT_ALGORITHM="HS256")
    assert app_check_ids() == [E001]


@pytest.mark.parametrize(
    ("field", "reported"),
    [
        pytest.param("no_such_field", "ninja_simple_jwt.E007", id="not-a-field"),
        pytest.param("first_name", "ninja_simple_jwt.W001", id="not-unique"),
    ],
)
def test_check_reports_a_username_field_unfit_to_sign_in_with(
    change_settings: Any, field: str, reported: str
) -> None:
    change_settings(USERNAME_FIELD=field)

    [message] = run_checks(tags=["ninja_simple_jwt"])
    assert message.id == reported
    assert f"NINJA_SIMPLE_JWT['USERNAME_FIELD'] is {field!r}" in message.msg


def test_defaults() -> None:
    defaults = build_jwt_settings({})
    # DEFAULTS names every key, each with a valid value; the attributes bear the same names.
    assert build_jwt_settings(dict(DEFAULTS)) == defaults
    assert [key for key in DEFAULTS if not hasattr(defaults, key)] == []
    beyond_the_library = {
        "JWT_ALGORITHM": "RS256",
        "JWT_ISSUER": None,
        "JWT_AUDIENCE": None,
        "JWT_LEEWAY": timedelta(seconds=10),
        "JWT_PREVIOUS_PUBLIC_KEYS_PATH": "jwt-signing.previous.json",
        "SIGN_IN_THROTTLE_RATE": "10/min",
        # Off as in the library, whose clients keep their first refresh token.
        "JWT_ROTATE_REFRESH_TOKENS": False,
        "JWT_REFRESH_REUSE_GRACE": timedelta(seconds=5),
        "USE_STATELESS_AUTH": True,
        "SIGN_IN_ACCOUNT_THROTTLE_RATE": "10/15m",
        "JWT_KEY_RELOAD_INTERVAL": timedelta(minutes=1),
    }
    assert {key: getattr(defaults, key) for key in beyond_the_library} == beyond_the_library


def bad(key: str, *values: Any, **others: Any) -> list[Any]:
    """``key`` set to each of ``values``, with ``others`` beside it: refused, naming ``key``."""
    return [pytest.param(key, {key: value, **others}, id=f"{key}={value!r}") for value in values]


@pytest.mark.parametrize(
    ("key", "user_settings"),
    [
        # A key the app does not know: a typo of JWT_ACCESS_TOKEN_LIFETIME, if ignored, would
        # leave tokens living for the default time.
        *bad("JWT_ACCESS_TOKEN_LIFE", timedelta(minutes=5)),
        # The attribute that holds WEB_REFRESH_COOKIE_SECURE as set is not a key either.
        *bad("WEB_REFRESH_COOKIE_SECURE_SETTING", True),
        # Every key, and every kind of bad value of each type; the types are strict.
        *bad("JWT_PRIVATE_KEY_STORAGE", "", None, "  ", b"jwt_private_key", 42, ["a", "b"]),
        *bad("JWT_PUBLIC_KEY_STORAGE", None),
        *bad("JWT_PRIVATE_KEY_PATH", "  "),
        *bad("JWT_PUBLIC_KEY_PATH", b"jwt-signing.pub"),
        *bad("JWT_PREVIOUS_PUBLIC_KEYS_PATH", ["jwt-signing.previous.json"]),
        *bad("JWT_PUBLIC_KEY", ""),
        *bad("JWT_PREVIOUS_PUBLIC_KEYS", {"keys": []}),
        *bad("JWT_REFRESH_COOKIE_NAME", "refresh token"),
        *bad("JWT_ACCESS_TOKEN_LIFETIME", 900, "900", timedelta(milliseconds=500)),
        *bad("WEB_REFRESH_COOKIE_SECURE", "false", 1),
        *bad("WEB_REFRESH_COOKIE_HTTP_ONLY", None),
        *bad("WEB_REFRESH_COOKIE_SAME_SITE_POLICY", "Relaxed"),
        *bad("WEB_REFRESH_COOKIE_PATH", "api/auth/web", "/api;Domain=example.com"),
        *bad("USERNAME_FIELD", ""),
        # Not a dict, empty, a claim the app sets itself, a value neither attribute nor callable.
        *bad("TOKEN_CLAIM_USER_ATTRIBUTE_MAP", ["user_id"], {}, {"jti": "id"}, {"user_id": 42}),
        *bad("TOKEN_USER_ENCODER_CLS", "no_such_module.Encoder", "json.JSONDecoder"),
        *bad("TOKEN_USER_CLS", "json.dumps"),
        *bad("JWT_ALGORITHM", "HS256", "none", "rs256"),  # SECURITY.md 1 and 2
        *bad("JWT_ISSUER", 42),
        *bad("JWT_AUDIENCE", ["a", "b"]),
        *bad("JWT_LEEWAY", timedelta(seconds=-1)),
        # No period, zero (every sign-in refused), an unknown unit, a space, not a string.
        *bad("SIGN_IN_THROTTLE_RATE", "10", "0/min", "10/minute", " 10/min", 10),
        *bad("SIGN_IN_ACCOUNT_THROTTLE_RATE", "10 per hour"),
        *bad("JWT_KEY_RELOAD_INTERVAL", 60),
        *bad("JWT_ROTATE_REFRESH_TOKENS", "yes"),
        *bad("JWT_REFRESH_REUSE_GRACE", timedelta(hours=1)),  # a stolen token replayed unseen
        *bad("USE_STATELESS_AUTH", 0),
        # The rules between keys: refresh not longer than access; a leeway as long as access
        # would double an access token's life; key files that are one file.
        *bad("JWT_REFRESH_TOKEN_LIFETIME", timedelta(minutes=15)),
        *bad("JWT_LEEWAY", timedelta(minutes=15)),
        *bad("JWT_PUBLIC_KEY_PATH", "jwt-signing.pem"),
        *bad("JWT_PREVIOUS_PUBLIC_KEYS_PATH", "jwt-signing.pub", "jwt-signing.pem"),
        # Browsers drop a SameSite=None cookie, or a __Secure- one, that is not Secure.
        *bad("WEB_REFRESH_COOKIE_SAME_SITE_POLICY", "None", WEB_REFRESH_COOKIE_SECURE=False),
        *bad("JWT_REFRESH_COOKIE_NAME", "__Secure-refresh", WEB_REFRESH_COOKIE_SECURE=False),
    ],
)
def test_bad_values_are_rejected_by_name(key: str, user_settings: dict[str, Any]) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"^{re.escape(f'NINJA_SIMPLE_JWT[{key!r}]')}"):
        build_jwt_settings(user_settings)


def test_a_private_key_of_a_wrong_type_is_named_but_not_printed() -> None:
    pem = b"-----BEGIN PRIVATE KEY-----\n" + b"A" * 64 + b"\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ImproperlyConfigured, match="'JWT_PRIVATE_KEY'] is a bytes") as refused:
        build_jwt_settings({"JWT_PRIVATE_KEY": pem})
    assert "AAAA" not in str(refused.value)


def test_good_values_are_kept() -> None:
    chosen = {
        "JWT_REFRESH_COOKIE_NAME": "__Host-refresh",  # a prefix: the cookie is Secure by default
        "WEB_REFRESH_COOKIE_HTTP_ONLY": False,
        "WEB_REFRESH_COOKIE_SAME_SITE_POLICY": None,
        "WEB_REFRESH_COOKIE_PATH": "/",
        "JWT_PREVIOUS_PUBLIC_KEYS_PATH": "keys/previous.json",
    }
    built = build_jwt_settings(chosen)
    assert {key: getattr(built, key) for key in chosen} == chosen
    # SameSite in any case, as Django's set_cookie takes it.
    lax = build_jwt_settings({"WEB_REFRESH_COOKIE_SAME_SITE_POLICY": "lax"})
    assert lax.WEB_REFRESH_COOKIE_SAME_SITE_POLICY == "Lax"


@pytest.mark.parametrize(
    ("rate", "requests", "seconds"),
    [
        ("10/min", 10, 60),
        ("1/s", 1, 1),
        ("5/sec", 5, 1),
        ("30/5m", 30, 300),
        ("100/h", 100, 3600),
        ("100/hour", 100, 3600),
        ("1000/d", 1000, 86400),
        ("1000/day", 1000, 86400),
        ("20/15min", 20, 900),
    ],
)
def test_throttle_rates_mean_what_django_ninja_reads(
    rate: str, requests: int, seconds: int
) -> None:
    """SECURITY.md 17: the rate accepted is the rate django-ninja's throttle applies."""
    kept = build_jwt_settings({"SIGN_IN_THROTTLE_RATE": rate}).SIGN_IN_THROTTLE_RATE

    assert kept == rate
    assert SimpleRateThrottle(rate).parse_rate(kept) == (requests, seconds)


def test_overridden_settings_apply_at_once(settings: Any, change_settings: Any, user: Any) -> None:
    """Tests change settings with pytest-django's ``settings`` or ``override_settings``: the
    cached settings follow, and minted tokens get the new lifetimes."""
    configured = get_jwt_settings().JWT_ACCESS_TOKEN_LIFETIME
    assert lifetime(user, "access") == configured.total_seconds()

    change_settings(JWT_ACCESS_TOKEN_LIFETIME=timedelta(minutes=3))
    assert lifetime(user, "access") == 3 * 60
    change_settings(JWT_REFRESH_TOKEN_LIFETIME=timedelta(days=2))
    assert lifetime(user, "refresh") == 2 * 24 * 3600

    two_hours = {**settings.NINJA_SIMPLE_JWT, "JWT_ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}
    with override_settings(NINJA_SIMPLE_JWT=two_hours):
        assert lifetime(user, "access") == 2 * 3600
    assert lifetime(user, "access") == 3 * 60


def test_cookie_secure_by_default_follows_debug_when_used(settings: Any) -> None:
    # Read when the cookie is set, not when the settings were validated.
    default = build_jwt_settings({})
    settings.DEBUG = False
    assert default.WEB_REFRESH_COOKIE_SECURE is True
    settings.DEBUG = True
    assert default.WEB_REFRESH_COOKIE_SECURE is False

    # Set, it holds whether debugging or not.
    assert build_jwt_settings({"WEB_REFRESH_COOKIE_SECURE": True}).WEB_REFRESH_COOKIE_SECURE
    settings.DEBUG = False
    assert not build_jwt_settings({"WEB_REFRESH_COOKIE_SECURE": False}).WEB_REFRESH_COOKIE_SECURE


def deploy_check_ids(backend: str) -> list[str]:
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "t"}}):
        deploy = run_checks(tags=["ninja_simple_jwt"], include_deployment_checks=True)
    return [str(message.id) for message in deploy]


def test_the_deploy_check_warns_when_throttling_counts_per_process() -> None:
    """W002: every worker would allow the whole rate again."""
    assert "ninja_simple_jwt.W002" in deploy_check_ids(
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert "ninja_simple_jwt.W002" not in deploy_check_ids(
        "django.core.cache.backends.db.DatabaseCache"
    )
