"""The mobile router: tokens travel in JSON bodies."""

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.signals import user_logged_in
from django.test import Client

from tests.conftest import LOGIN, LOGIN_CLAIM, PASSWORD, create_user, url, verified_claims


def sign_in(client: Client, username: str = LOGIN, password: str = PASSWORD) -> Any:
    return client.post(
        url("mobile_signin"),
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_sign_in_returns_both_tokens_signed_by_our_key(client: Client, user: Any) -> None:
    response = sign_in(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"refresh", "access"}
    access, refresh = verified_claims(body["access"]), verified_claims(body["refresh"])
    assert access["token_type"] == "access"
    assert refresh["token_type"] == "refresh"
    assert access["user_id"] == refresh["user_id"] == user.pk
    assert access[LOGIN_CLAIM] == LOGIN
    assert access["jti"] != refresh["jti"]
    assert access["exp"] - access["iat"] == {{ cookiecutter.access_token_lifetime_minutes }} * 60
    assert refresh["exp"] - refresh["iat"] == {{ cookiecutter.refresh_token_lifetime_days }} * 86400
    assert abs(access["iat"] - time.time()) < 5


def test_sign_in_updates_last_login_and_fires_the_signal(client: Client, user: Any) -> None:
    received: list[Any] = []

    def receiver(sender: Any, user: Any, **kwargs: Any) -> None:
        received.append(user)

    user_logged_in.connect(receiver)
    try:
        response = sign_in(client)
    finally:
        user_logged_in.disconnect(receiver)
    assert response.status_code == 200
    assert [signed_in.pk for signed_in in received] == [user.pk]
    user.refresh_from_db()
    assert user.last_login is not None
    assert verified_claims(response.json()["access"])["last_login"] is not None


INACTIVE = "inactive@example.com" if LOGIN_CLAIM == "email" else "inactive"


@pytest.mark.parametrize(
    ("username", "password"),
    [(LOGIN, "wrong password"), ("nobody", PASSWORD), (INACTIVE, PASSWORD)],
    ids=["wrong-password", "unknown-user", "inactive-user"],
)
def test_failed_sign_in_is_one_and_the_same_401(
    client: Client, user: Any, username: str, password: str
) -> None:
    create_user(INACTIVE, is_active=False)
    response = sign_in(client, username, password)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid credentials."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"username": LOGIN}, {"username": 1, "password": []}, "not json", "[1, 2]"],
    ids=["empty", "no-password", "wrong-types", "not-json", "array"],
)
def test_malformed_sign_in_body_is_a_json_4xx(client: Client, body: Any) -> None:
    response = client.post(url("mobile_signin"), body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_refresh_returns_only_a_new_access_token(
    client: Client, user: Any, refresh_token: str
) -> None:
    response = client.post(
        url("mobile_token_refresh"), {"refresh": refresh_token}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access"}
    claims = verified_claims(body["access"])
    assert claims["token_type"] == "access"
    assert claims["user_id"] == user.pk


def test_refresh_carries_the_users_current_claims(
    client: Client, user: Any, refresh_token: str
) -> None:
    renamed = "ada.lovelace@example.com" if LOGIN_CLAIM == "email" else "ada.lovelace"
    setattr(user, LOGIN_CLAIM, renamed)
    user.save()
    response = client.post(
        url("mobile_token_refresh"), {"refresh": refresh_token}, content_type="application/json"
    )
    assert response.status_code == 200
    assert verified_claims(response.json()["access"])[LOGIN_CLAIM] == renamed


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_refresh_for_a_gone_user_is_401(
    client: Client, user: Any, refresh_token: str, change: str
) -> None:
    if change == "delete":
        user.delete()
    else:
        user.is_active = False
        user.save()
    response = client.post(
        url("mobile_token_refresh"), {"refresh": refresh_token}, content_type="application/json"
    )
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_new_access_token_opens_the_protected_route(
    client: Client, refresh_token: str, bearer: Callable[[str], dict[str, str]]
) -> None:
    response = client.post(
        url("mobile_token_refresh"), {"refresh": refresh_token}, content_type="application/json"
    )
    me = client.get(url("me"), headers=bearer(response.json()["access"]))
    assert me.status_code == 200
    assert me.json()[LOGIN_CLAIM] == LOGIN
