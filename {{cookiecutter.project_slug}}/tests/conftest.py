"""Shared fixtures of the project's tests (the auth app's own are in ninja_simple_jwt/tests/).

The suite signs with the app tests' throw-away keys (``signing_keys``, made once per run in a
temporary folder by the real ``make_jwt_key``): it never reads or writes the project's own keys, and
it passes on a fresh clone or in CI where those keys do not exist. Time is the app tests' one fake
clock (``clock``): it stands still unless a test moves it.
"""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from ninja_simple_jwt.sessions import start_session
from ninja_simple_jwt.tests.conftest import (  # noqa: F401 - fixtures shared with the app's tests
    clock,
    empty_cache,
    signing_keys,
    stopped_time,
)

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


def url(name: str) -> str:
    """The path of an API operation, by its URL name."""
    return reverse(f"{API_NAMESPACE}:{name}")


def sign_in(client: Any, **credentials: str) -> Any:
    """POST ``CREDENTIALS`` (with any field replaced) to the project's sign-in endpoint."""
    return client.post(
        url(SIGN_IN), {**CREDENTIALS, **credentials}, content_type="application/json"
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def user(db: None) -> Any:
    return create_user(LOGIN)


@pytest.fixture
def access_token(user: Any) -> str:
    return start_session(user).access.token
