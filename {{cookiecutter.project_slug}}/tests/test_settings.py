"""The NINJA_SIMPLE_JWT settings: typos are caught, overrides take effect, time is time."""

import io
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.jwt.json_encode import TokenUserEncoder
from ninja_simple_jwt.jwt.tokens import mint_access_token, mint_refresh_token
from ninja_simple_jwt.settings import get_jwt_settings

from tests.conftest import PASSWORD, url

CREDENTIALS = {"username": "ada", "password": PASSWORD}


def change_jwt_settings(settings: Any, **changes: Any) -> None:
    """Override keys of NINJA_SIMPLE_JWT, keeping the project's other values."""
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, **changes}


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def lifetime_of(token: str) -> int:
    claims = unverified_claims(token)
    return int(claims["exp"] - claims["iat"])


{% if cookiecutter.mobile_auth %}
def sign_in_and_refresh(client: Client) -> tuple[str, str]:
    """The access tokens the API gives at sign-in and at the token refresh that follows."""
    signed_in = client.post(url("mobile_signin"), CREDENTIALS, content_type="application/json")
    assert signed_in.status_code == 200, signed_in.content
    refreshed = client.post(
        url("mobile_token_refresh"),
        {"refresh": signed_in.json()["refresh"]},
        content_type="application/json",
    )
    assert refreshed.status_code == 200, refreshed.content
    return signed_in.json()["access"], refreshed.json()["access"]
{% else %}
def sign_in_and_refresh(client: Client) -> tuple[str, str]:
    """The access tokens the API gives at sign-in and at the token refresh that follows."""
    signed_in = client.post(url("web_signin"), CREDENTIALS, content_type="application/json")
    assert signed_in.status_code == 200, signed_in.content
    # The test client sends back the refresh cookie that sign-in set.
    refreshed = client.post(url("web_token_refresh"))
    assert refreshed.status_code == 200, refreshed.content
    return signed_in.json()["access"], refreshed.json()["access"]
{% endif %}


def test_unknown_setting_is_rejected_by_name(settings: Any) -> None:
    # A plausible typo: silently ignored, it would leave tokens living for the default time.
    change_jwt_settings(settings, JWT_ACCESS_TOKEN_LIFE=timedelta(minutes=5))
    with pytest.raises(ImproperlyConfigured, match="JWT_ACCESS_TOKEN_LIFE"):
        get_jwt_settings()


def test_check_reports_an_unknown_setting(settings: Any) -> None:
    change_jwt_settings(settings, JWT_ACCESS_TOKEN_LIFE=timedelta(minutes=5))
    with pytest.raises(SystemCheckError) as failure:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    assert "ninja_simple_jwt.E001" in str(failure.value)
    assert "JWT_ACCESS_TOKEN_LIFE" in str(failure.value)


def test_check_passes_with_the_project_settings() -> None:
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_lifetime_overrides_are_picked_up(settings: Any, user: Any) -> None:
    configured = settings.NINJA_SIMPLE_JWT["JWT_ACCESS_TOKEN_LIFETIME"]
    assert lifetime_of(mint_access_token(user)) == configured.total_seconds()

    for minutes in (3, 120):
        change_jwt_settings(settings, JWT_ACCESS_TOKEN_LIFETIME=timedelta(minutes=minutes))
        assert lifetime_of(mint_access_token(user)) == minutes * 60

    change_jwt_settings(settings, JWT_REFRESH_TOKEN_LIFETIME=timedelta(days=2))
    assert lifetime_of(mint_refresh_token(user)) == 2 * 24 * 3600


def test_lifetime_override_reaches_the_api(settings: Any, client: Client, user: Any) -> None:
    change_jwt_settings(settings, JWT_ACCESS_TOKEN_LIFETIME=timedelta(minutes=7))
    for token in sign_in_and_refresh(client):
        assert lifetime_of(token) == 7 * 60


def email_domain(user: Any) -> str:
    return str(user.email).partition("@")[2]


def account_id(user: Any) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:user:{user.pk}")


def test_claim_map_with_callables_end_to_end(
    settings: Any,
    client: Client,
    rf: RequestFactory,
    user: Any,
    bearer: Callable[[str], dict[str, str]],
) -> None:
    change_jwt_settings(
        settings,
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={
            "user_id": "id",
            "username": "username",
            "email_domain": email_domain,
            "account": account_id,
        },
    )

    for access in sign_in_and_refresh(client):
        response = client.get(url("me"), headers=bearer(access))
        assert response.status_code == 200, response.content
        claims = response.json()
        assert claims["user_id"] == user.pk
        assert claims["username"] == "ada"
        assert claims["email_domain"] == "example.com"
        # A UUID from a callable is written as a string by the claim encoder.
        assert claims["account"] == str(account_id(user))
        # The map replaces the default one: no last_login claim any more.
        assert "last_login" not in claims

        # On request.user, a callable's claim is the attribute named after the claim.
        request = rf.get(url("me"), headers=bearer(access))
        assert HttpJwtAuth()(request) is not None
        assert getattr(request.user, "email_domain", None) == "example.com"
        assert getattr(request.user, "account", None) == str(account_id(user))


class Money:
    """A value the default claim encoder cannot write."""

    def __init__(self, cents: int, currency: str) -> None:
        self.cents, self.currency = cents, currency


class CustomTokenUserEncoder(TokenUserEncoder):
    """As in the library README: teach the claim encoder one more type."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Money):
            return f"{o.cents / 100:.2f} {o.currency}"
        return super().default(o)


def credit(user: Any) -> Money:
    return Money(1250, "EUR")


def test_custom_claim_encoder_from_the_library_readme(
    settings: Any, client: Client, user: Any, bearer: Callable[[str], dict[str, str]]
) -> None:
    change_jwt_settings(
        settings,
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={"user_id": "id", "credit": credit},
        TOKEN_USER_ENCODER_CLS="tests.test_settings.CustomTokenUserEncoder",
    )
    # Both the sign-in token and the refreshed one are written with the custom encoder.
    for access in sign_in_and_refresh(client):
        assert unverified_claims(access)["credit"] == "12.50 EUR"
        assert client.get(url("me"), headers=bearer(access)).json()["credit"] == "12.50 EUR"


@pytest.mark.parametrize(
    ("use_tz", "time_zone"),
    [
        (False, "Pacific/Kiritimati"),  # UTC+14
        (False, "Pacific/Pago_Pago"),  # UTC-11
        (True, "Pacific/Kiritimati"),
        (True, "America/New_York"),
    ],
)
def test_token_times_do_not_depend_on_time_zone_settings(
    settings: Any,
    client: Client,
    user: Any,
    bearer: Callable[[str], dict[str, str]],
    use_tz: bool,
    time_zone: str,
) -> None:
    settings.USE_TZ = use_tz
    settings.TIME_ZONE = time_zone
    lifetime = get_jwt_settings().JWT_ACCESS_TOKEN_LIFETIME.total_seconds()

    issued_after = time.time()
    tokens = sign_in_and_refresh(client)
    issued_before = time.time()

    for token in tokens:
        claims = unverified_claims(token)
        assert claims["exp"] - claims["iat"] == lifetime
        assert int(issued_after) - 1 <= claims["iat"] <= issued_before + 1
        assert abs(claims["exp"] - (time.time() + lifetime)) < 5
        # And the API accepts it: neither expired nor issued in the future by its own clock.
        assert client.get(url("me"), headers=bearer(token)).status_code == 200
