"""The project's settings wire the auth app with the answers given at generation time."""

import io

from django.conf import settings
from django.core.management import call_command
from ninja_simple_jwt.conf import get_jwt_settings


def test_check_passes_with_the_project_settings() -> None:
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_jwt_settings_are_the_answers_given() -> None:
    jwt_settings = get_jwt_settings()
    access_minutes, refresh_days = {{ cookiecutter.access_token_lifetime_minutes }}, {{ cookiecutter.refresh_token_lifetime_days }}
    assert jwt_settings.JWT_ALGORITHM == "{{ cookiecutter.jwt_algorithm }}"
    assert jwt_settings.JWT_ACCESS_TOKEN_LIFETIME.total_seconds() == access_minutes * 60
    assert jwt_settings.JWT_REFRESH_TOKEN_LIFETIME.total_seconds() == refresh_days * 86400
    assert jwt_settings.USERNAME_FIELD == "{{ cookiecutter.login_field }}"
    assert jwt_settings.JWT_ROTATE_REFRESH_TOKENS is {{ cookiecutter.refresh_token_rotation }}


def test_the_key_storages_are_declared_in_storages() -> None:
    # ninja_simple_jwt finds the signing keys by these two aliases (see config/settings/base.py).
    assert {"jwt_private_key", "jwt_public_key"} <= set(settings.STORAGES)
