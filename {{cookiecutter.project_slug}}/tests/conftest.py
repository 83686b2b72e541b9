"""Shared fixtures.

The suite signs with throw-away keys made once per run in a temporary folder (through the real
``make_rsa`` command): it never reads or writes the project's own keys, and it passes on a fresh
clone or in CI where those keys do not exist.
"""

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from ninja_simple_jwt.jwt.keys import get_verifying_key
from ninja_simple_jwt.jwt.tokens import mint_access_token, mint_refresh_token
from ninja_simple_jwt.settings import get_jwt_settings

from tests.jwt_helpers import ALGORITHMS, make_key_folders, use_keys

PASSWORD = "correct horse battery staple"
API_NAMESPACE = "api-1.0.0"
{% if cookiecutter.login_field == "email" %}
# Users sign in with their e-mail address, sent in the sign-in body's "username" field.
LOGIN = "ada@example.com"
LOGIN_CLAIM = "email"
{% else %}
LOGIN = "ada"
LOGIN_CLAIM = "username"
{% endif %}
CREDENTIALS = {"username": LOGIN, "password": PASSWORD}
# A sign-in endpoint this project mounts.
{% if cookiecutter.mobile_auth %}
SIGN_IN = "mobile_signin"
{% else %}
SIGN_IN = "web_signin"
{% endif %}


def create_user(login: str, password: str = PASSWORD, **fields: Any) -> Any:
    """A user who signs in with ``login``."""
{% if cookiecutter.login_field == "email" %}
    return get_user_model().objects.create_user(email=login, password=password, **fields)
{% else %}
    return get_user_model().objects.create_user(
        username=login, password=password, email=f"{login}@example.com", **fields
    )
{% endif %}


def verified_claims(token: str) -> dict[str, Any]:
    """The claims of ``token``, verified with PyJWT alone (our public key and algorithm)."""
    algorithm = get_jwt_settings().JWT_ALGORITHM
    claims: dict[str, Any] = jwt.decode(token, get_verifying_key(), algorithms=[algorithm])
    return claims


def url(name: str) -> str:
    """The path of an API operation, by its URL name."""
    return reverse(f"{API_NAMESPACE}:{name}")


@pytest.fixture(scope="session", autouse=True)
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Root the key storages (they follow BASE_DIR) at this run's throw-away keys.

    Set once for the whole run: changing BASE_DIR clears the key cache, and parsing the private
    key again in every test would cost tens of milliseconds each. Tests that change BASE_DIR
    through the ``settings`` fixture get this value back afterwards.
    """
    directory = tmp_path_factory.mktemp("jwt-keys")
    with override_settings(BASE_DIR=directory):
        call_command("make_rsa", stdout=io.StringIO())
        yield directory


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache, so sign-in throttling counts only its own requests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db: None) -> Any:
    return create_user(LOGIN)


@pytest.fixture
def access_token(user: Any) -> str:
    return mint_access_token(user)


@pytest.fixture
def refresh_token(user: Any) -> str:
    return mint_refresh_token(user)


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    """Headers carrying ``token`` as a bearer token."""

    def headers(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture(scope="session")
def key_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A key pair of every algorithm, by name, made once per run."""
    return make_key_folders(tmp_path_factory.mktemp("algorithm-keys"))


@pytest.fixture(params=ALGORITHMS)
def algorithm(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path, key_folders: dict[str, Path]
) -> str:
    """The project switched to this algorithm, with its own copy of a key pair of that kind."""
    name: str = request.param
    use_keys(settings, key_folders[name], tmp_path, name)
    return name
