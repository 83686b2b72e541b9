"""The names of the library's newest release (django-ninja-simple-jwt 0.8.1) work as it says:
``make_jwt_key`` (``make_rsa`` its alias), keys given as text in settings, ``TOKEN_USER_CLS``
and the helpers of ``ninja_simple_jwt.jwt.token_operations``."""

import io
import json
import shlex
from pathlib import Path
from typing import Any

import jwt
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from ninja_simple_jwt.authentication import TokenUser
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt.token_operations import (
    TokenTypes,
    decode_token,
    get_access_token_for_user,
    get_access_token_from_refresh_token,
    get_refresh_token_for_user,
)
from ninja_simple_jwt.models import Session
from ninja_simple_jwt.tests.conftest import bearer, url
from ninja_simple_jwt.tests.keyfiles import keys_in


@pytest.mark.parametrize("command", ["make_jwt_key", "make_rsa"])
def test_the_key_command_and_its_alias(command: str, keys: Path) -> None:
    output = io.StringIO()
    call_command(command, "--rotate", stdout=output)
    assert "Rotated the" in output.getvalue()
    assert (keys / "jwt-signing.previous.json").is_file()


# --- token_operations ---


def test_tokens_for_a_user_belong_to_new_sessions(user: Any) -> None:
    access, access_payload = get_access_token_for_user(user)
    refresh, refresh_payload = get_refresh_token_for_user(user)
    assert decode_token(access, TokenTypes.ACCESS) == access_payload
    assert decode_token(refresh, "refresh") == refresh_payload
    assert access_payload["user_id"] == refresh_payload["user_id"] == user.pk
    assert {access_payload["sid"], refresh_payload["sid"]} == set(
        Session.objects.values_list("public_id", flat=True)
    )


def test_an_access_token_from_a_refresh_token(user: Any, change_settings: Any) -> None:
    change_settings(JWT_ROTATE_REFRESH_TOKENS=True)
    refresh, payload = get_refresh_token_for_user(user)
    for _ in range(2):  # no rotation here: the refresh token stays current
        access, access_payload = get_access_token_from_refresh_token(refresh)
        assert decode_token(access, TokenTypes.ACCESS) == access_payload
        assert access_payload["sid"] == payload["sid"]


def test_decode_token_refuses_the_wrong_type_and_a_revoked_session_refreshes_nothing(
    user: Any,
) -> None:
    refresh, payload = get_refresh_token_for_user(user)
    with pytest.raises(InvalidTokenError):
        decode_token(refresh, TokenTypes.ACCESS)
    Session.objects.filter(public_id=payload["sid"]).update(revoked_reason="revoked_by_user")
    Session.objects.update(revoked_at=Session.objects.get().created_at)
    with pytest.raises(InvalidTokenError):
        get_access_token_from_refresh_token(refresh)


# --- TOKEN_USER_CLS ---


class NamedTokenUser(TokenUser):
    """What a project might put on request.user instead."""


def test_token_user_cls_is_what_request_user_is(
    client: Client, user: Any, change_settings: Any
) -> None:
    change_settings(TOKEN_USER_CLS=f"{__name__}.NamedTokenUser")
    access, _ = get_access_token_for_user(user)
    response = client.get(url("whoami"), headers=bearer(access))
    assert response.json()["user_class"] == "NamedTokenUser"


# --- Keys as text in settings (JWT_PRIVATE_KEY / JWT_PUBLIC_KEY) ---


@pytest.fixture
def keys_in_settings(keys: Path, change_settings: Any, tmp_path: Path, settings: Any) -> None:
    """The pair as PEM text in settings, and no key files anywhere the storages look."""
    change_settings(
        JWT_PRIVATE_KEY=(keys / "jwt-signing.pem").read_text(),
        JWT_PUBLIC_KEY=(keys / "jwt-signing.pub").read_text(),
    )
    settings.STORAGES = keys_in(tmp_path / "empty")


def test_keys_from_settings_sign_and_verify(
    client: Client, user: Any, keys_in_settings: None
) -> None:
    access, _ = get_access_token_for_user(user)
    assert client.get(url("whoami"), headers=bearer(access)).status_code == 200
    assert client.get(reverse("jwks")).json()["keys"][0]["kid"] == decode_kid(access)


def decode_kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def environment_of(output: str) -> dict[str, str]:
    """The ``NAME=value`` lines that make_jwt_key printed, unquoted as a shell would."""
    return {
        line.partition("=")[0]: shlex.split(line.partition("=")[2])[0]
        for line in output.splitlines()
        if line.startswith("JWT_") and "=" in line
    }


def test_rotation_with_keys_in_settings_prints_the_new_environment(
    user: Any, keys_in_settings: None, change_settings: Any, tmp_path: Path
) -> None:
    """Nothing is written; the new pair and the previous keys come out as variables which,
    set in the environment, make the next process sign with the new key and still verify
    the old one's tokens."""
    old_access, _ = get_access_token_for_user(user)
    output = io.StringIO()
    call_command("make_jwt_key", "--rotate", stdout=output)
    variables = environment_of(output.getvalue())
    assert set(variables) == {"JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_PREVIOUS_PUBLIC_KEYS"}
    assert not (tmp_path / "empty").exists()
    change_settings(
        JWT_PRIVATE_KEY=variables["JWT_PRIVATE_KEY"].replace("\\n", "\n"),
        JWT_PUBLIC_KEY=variables["JWT_PUBLIC_KEY"].replace("\\n", "\n"),
        JWT_PREVIOUS_PUBLIC_KEYS=variables["JWT_PREVIOUS_PUBLIC_KEYS"],
    )
    new_access, _ = get_access_token_for_user(user)
    assert decode_kid(new_access) != decode_kid(old_access)
    assert decode_token(old_access, "access")["user_id"] == user.pk
    previous = json.loads(variables["JWT_PREVIOUS_PUBLIC_KEYS"])
    assert [key["kid"] for key in previous["keys"]] == [decode_kid(old_access)]


def test_the_settings_keys_are_checked(keys_in_settings: None) -> None:
    assert get_jwt_settings().JWT_PRIVATE_KEY is not None
    output = io.StringIO()
    call_command("check", "--tag", "ninja_simple_jwt", stdout=output, stderr=output)
    assert "no issues" in output.getvalue()
