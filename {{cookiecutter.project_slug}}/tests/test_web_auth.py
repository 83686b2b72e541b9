"""The web router: the refresh token lives only in an HttpOnly cookie scoped to this router."""

import time
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import LOGIN, PASSWORD, url, verified_claims

COOKIE = "refresh"
COOKIE_PATH = "/{{ cookiecutter.api_path.strip('/') }}/{{ cookiecutter.web_auth_path.strip('/') }}"
REFRESH_SECONDS = {{ cookiecutter.refresh_token_lifetime_days }} * 86400


def sign_in(client: Client, password: str = PASSWORD) -> Any:
    return client.post(
        url("web_signin"),
        {"username": LOGIN, "password": password},
        content_type="application/json",
    )


def test_sign_in_puts_the_refresh_token_only_in_the_cookie(client: Client, user: Any) -> None:
    before = time.time()
    response = sign_in(client)
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    assert verified_claims(response.json()["access"])["token_type"] == "access"

    cookie = response.cookies[COOKIE]
    refresh = verified_claims(cookie.value)
    assert refresh["token_type"] == "refresh"
    assert refresh["user_id"] == user.pk
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == COOKIE_PATH
    assert abs(int(cookie["max-age"]) - REFRESH_SECONDS) <= 2
    expires = parsedate_to_datetime(cookie["expires"]).timestamp()
    assert abs(expires - (before + REFRESH_SECONDS)) <= 3
    assert abs(expires - refresh["exp"]) <= 2


@pytest.mark.parametrize("debug", [False, True])
def test_cookie_is_secure_unless_debugging(
    client: Client, user: Any, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    cookie = sign_in(client).cookies[COOKIE]
    assert bool(cookie["secure"]) is not debug


def test_failed_sign_in_sets_no_cookie(client: Client, user: Any) -> None:
    response = sign_in(client, password="wrong")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid credentials."}
    assert COOKIE not in response.cookies


def test_refresh_with_the_cookie_returns_a_new_access_token(client: Client, user: Any) -> None:
    sign_in(client)  # the test client keeps the cookie, as a browser would
    response = client.post(url("web_token_refresh"))
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    assert verified_claims(response.json()["access"])["user_id"] == user.pk


def test_refresh_without_the_cookie_is_401(client: Client, user: Any) -> None:
    response = client.post(url("web_token_refresh"))
    assert response.status_code == 401
    assert "detail" in response.json()


def test_refresh_for_a_deactivated_user_is_401(client: Client, user: Any) -> None:
    sign_in(client)
    user.is_active = False
    user.save()
    assert client.post(url("web_token_refresh")).status_code == 401


def test_sign_out_deletes_the_cookie_on_the_same_path(client: Client, user: Any) -> None:
    sign_in(client)
    response = client.post(url("web_sign_out"))
    assert response.status_code == 204
    deleted = response.cookies[COOKIE]
    assert deleted.value == ""
    assert deleted["path"] == COOKIE_PATH
    assert int(deleted["max-age"]) == 0
    assert parsedate_to_datetime(deleted["expires"]).timestamp() < time.time()
    # The client dropped the cookie: refreshing no longer works.
    assert client.post(url("web_token_refresh")).status_code == 401


@pytest.mark.django_db
def test_sign_out_without_a_valid_cookie_is_401_and_sets_nothing(client: Client) -> None:
    for cookie_value in (None, "garbage"):
        if cookie_value is not None:
            client.cookies[COOKIE] = cookie_value
        response = client.post(url("web_sign_out"))
        assert response.status_code == 401
        assert "detail" in response.json()
        assert not response.cookies


def test_cookie_path_setting_matches_this_router() -> None:
    assert settings.NINJA_SIMPLE_JWT["WEB_REFRESH_COOKIE_PATH"] == COOKIE_PATH
