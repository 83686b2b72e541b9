"""The project's settings wire the auth app with the answers given at generation time."""

import io
import logging

import pytest
from django.conf import settings
{% if cookiecutter.key_storage == "env" %}
from django.core.exceptions import ImproperlyConfigured
{% endif %}
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils.log import configure_logging
from ninja_simple_jwt.conf import get_jwt_settings

from tests.conftest import url
from tests.environment import settings_module


def test_check_passes_with_the_project_settings() -> None:
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_jwt_settings_are_the_answers_given() -> None:
    jwt_settings = get_jwt_settings()
    access_minutes, refresh_days = {{ cookiecutter.access_token_lifetime_minutes }}, {{ cookiecutter.refresh_token_lifetime_days }}
    assert jwt_settings.JWT_ALGORITHM == "{{ cookiecutter.jwt_algorithm }}"
    assert jwt_settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds() == access_minutes * 60
    assert jwt_settings.JWT_REFRESH_TOKEN_LIFETIME.total_seconds() == refresh_days * 86400
    assert jwt_settings.JWT_SESSION_MAX_LIFETIME.days == max(90, refresh_days)
    assert jwt_settings.USERNAME_FIELD == "{{ cookiecutter.login_field }}"
    assert jwt_settings.JWT_ROTATE_REFRESH_TOKENS is {{ cookiecutter.refresh_token_rotation }}


def test_the_key_storages_are_declared_in_storages() -> None:
    # ninja_simple_jwt finds the signing keys by these two aliases (see config/settings/base.py).
    assert {"jwt_private_key", "jwt_public_key"} <= set(settings.STORAGES)
{% if cookiecutter.web_auth %}


def test_production_names_the_refresh_cookie_with_the_secure_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SECURITY.md 25: a browser takes a __Secure- cookie only from an HTTPS response."""
    production = settings_module("production", monkeypatch)
    local = settings_module("local", monkeypatch)
    assert production["NINJA_SIMPLE_JWT"]["JWT_REFRESH_COOKIE_NAME"] == "__Secure-refresh"
    assert "JWT_REFRESH_COOKIE_NAME" not in local["NINJA_SIMPLE_JWT"]  # runserver speaks http
{% endif %}
{% if cookiecutter.key_storage == "env" %}


def test_production_reads_the_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """One line each, "\\n" for the newlines, as secret stores hand them over."""
    private = "-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----\n"
    production = settings_module(
        "production",
        monkeypatch,
        JWT_PRIVATE_KEY=private.replace("\n", "\\n"),
        JWT_PUBLIC_KEY="the public key",
        JWT_PREVIOUS_PUBLIC_KEYS='{"keys": []}',
    )
    jwt_settings = production["NINJA_SIMPLE_JWT"]
    assert jwt_settings["JWT_PRIVATE_KEY"] == private
    assert jwt_settings["JWT_PUBLIC_KEY"] == "the public key"
    assert jwt_settings["JWT_PREVIOUS_PUBLIC_KEYS"] == '{"keys": []}'


@pytest.mark.parametrize("missing", ["JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY"])
def test_production_refuses_to_start_without_a_key(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=missing):
        settings_module("production", monkeypatch, **{missing: None})
{% endif %}


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("redis://cache.internal:6379/1", "django.core.cache.backends.redis.RedisCache"),
        (None, "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_production_shares_one_cache_between_processes(
    monkeypatch: pytest.MonkeyPatch, redis_url: str | None, backend: str
) -> None:
    """Throttling counts there: never one cache per process (SECURITY.md 17)."""
    production = settings_module("production", monkeypatch, REDIS_URL=redis_url)
    assert production["CACHES"]["default"]["BACKEND"] == backend


@pytest.mark.django_db
def test_production_answers_the_health_check_over_plain_http(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Load balancers probe over http: a redirect would fail them. Everything else redirects."""
    production = settings_module("production", monkeypatch)
    with override_settings(
        SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=production["SECURE_REDIRECT_EXEMPT"]
    ):
        client = Client()
        assert client.get(url("health")).status_code == 200
        assert client.get(url("me")).status_code == 301


def test_local_log_lines_are_printed_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local = settings_module("local", monkeypatch)
    configure_logging(settings.LOGGING_CONFIG, local["LOGGING"])
    try:
        with override_settings(DEBUG=True):
            logging.getLogger("django.request").warning("a line to count")
        assert capsys.readouterr().err.count("a line to count") == 1
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
