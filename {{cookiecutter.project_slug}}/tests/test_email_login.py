"""Signing in with an e-mail address: unique whatever its case, matched case-insensitively."""

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from tests.conftest import LOGIN, PASSWORD, create_user, sign_in


@pytest.mark.parametrize("login", [LOGIN, LOGIN.upper(), "Ada@Example.COM"])
def test_sign_in_matches_the_address_whatever_its_case(
    client: Client, user: Any, login: str
) -> None:
    response = sign_in(client, username=login)
    assert response.status_code == 200, response.content


def test_users_have_no_username(user: Any) -> None:
    assert get_user_model().USERNAME_FIELD == "email"
    assert not hasattr(user, "username") or user.username is None
    assert str(user) == LOGIN


@pytest.mark.django_db
def test_an_address_is_unique_whatever_its_case() -> None:
    create_user("grace@example.com")
    with pytest.raises(ValidationError):
        create_user("GRACE@example.com")


@pytest.mark.django_db
def test_an_address_is_required() -> None:
    with pytest.raises(ValueError, match="e-mail"):
        create_user("")


@pytest.mark.django_db
def test_createsuperuser_needs_only_an_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", "--noinput", "--email", "root@example.com", stdout=io.StringIO()
    )
    admin = get_user_model().objects.get(email="root@example.com")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(PASSWORD)


def test_admin_creates_users_by_address(admin_client: Client) -> None:
    assert admin_client.get("/admin/users/user/add/").status_code == 200
    response = admin_client.post(
        "/admin/users/user/add/",
        {
            "email": "new@example.com",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content
    assert get_user_model().objects.get(email="new@example.com").check_password(PASSWORD)
    assert admin_client.get("/admin/users/user/").status_code == 200
