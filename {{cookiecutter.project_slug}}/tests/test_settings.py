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
from ninja.throttling import AnonRateThrottle
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.jwt.json_encode import TokenUserEncoder
from ninja_simple_jwt.jwt.tokens import mint_access_token, mint_refresh_token
from ninja_simple_jwt.settings import DEFAULTS, build_jwt_settings, get_jwt_settings

from tests.conftest import CREDENTIALS, LOGIN, LOGIN_CLAIM, url


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
            LOGIN_CLAIM: LOGIN_CLAIM,
            "email_domain": email_domain,
            "account": account_id,
        },
    )

    for access in sign_in_and_refresh(client):
        response = client.get(url("me"), headers=bearer(access))
        assert response.status_code == 200, response.content
        claims = response.json()
        assert claims["user_id"] == user.pk
        assert claims[LOGIN_CLAIM] == LOGIN
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


def test_defaults_of_the_keys_beyond_the_library() -> None:
    expected = {
        "JWT_ALGORITHM": "RS256",
        "JWT_ISSUER": None,
        "JWT_AUDIENCE": None,
        "JWT_LEEWAY": timedelta(seconds=10),
        "JWT_PREVIOUS_PUBLIC_KEYS_PATH": "jwt-signing.previous.json",
        "JWT_UNKNOWN_KID_RELOAD_INTERVAL": timedelta(seconds=30),
        "SIGN_IN_THROTTLE_RATE": "10/min",
    }
    defaults = build_jwt_settings({})
    assert {key: getattr(defaults, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("JWT_ALGORITHM", "HS256"),
        ("JWT_ALGORITHM", "none"),
        ("JWT_ALGORITHM", "rs256"),
        ("JWT_ALGORITHM", "ES512"),
        ("JWT_ALGORITHM", None),
        ("JWT_ISSUER", ""),
        ("JWT_ISSUER", 42),
        ("JWT_AUDIENCE", "  "),
        ("JWT_AUDIENCE", ["a", "b"]),
        ("JWT_LEEWAY", 10),
        ("JWT_LEEWAY", timedelta(seconds=-1)),
        ("JWT_LEEWAY", timedelta(days=1)),  # not shorter than the access token lifetime
        ("JWT_PREVIOUS_PUBLIC_KEYS_PATH", ""),
        ("JWT_PREVIOUS_PUBLIC_KEYS_PATH", "jwt-signing.pub"),
        ("JWT_PREVIOUS_PUBLIC_KEYS_PATH", "jwt-signing.pem"),
        ("JWT_UNKNOWN_KID_RELOAD_INTERVAL", timedelta(0)),
        ("JWT_UNKNOWN_KID_RELOAD_INTERVAL", 30),
        ("SIGN_IN_THROTTLE_RATE", "10"),
        ("SIGN_IN_THROTTLE_RATE", "ten/min"),
        ("SIGN_IN_THROTTLE_RATE", "0/min"),
        ("SIGN_IN_THROTTLE_RATE", "-1/min"),
        ("SIGN_IN_THROTTLE_RATE", "10/minute"),
        ("SIGN_IN_THROTTLE_RATE", "10/ms"),
        ("SIGN_IN_THROTTLE_RATE", " 10/min"),
        ("SIGN_IN_THROTTLE_RATE", ""),
        ("SIGN_IN_THROTTLE_RATE", 10),
    ],
)
def test_bad_values_of_the_new_keys_are_rejected_by_name(key: str, value: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=key):
        build_jwt_settings({key: value})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("JWT_ALGORITHM", "RS256"),
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_ALGORITHM", "EdDSA"),
        ("JWT_ISSUER", "https://auth.example.com"),
        ("JWT_AUDIENCE", "my-api"),
        ("JWT_LEEWAY", timedelta(0)),
        ("JWT_LEEWAY", timedelta(seconds=90)),
        ("JWT_PREVIOUS_PUBLIC_KEYS_PATH", "keys/previous.json"),
        ("JWT_UNKNOWN_KID_RELOAD_INTERVAL", timedelta(minutes=5)),
        ("SIGN_IN_THROTTLE_RATE", None),
    ],
)
def test_good_values_of_the_new_keys_are_kept(key: str, value: Any) -> None:
    assert getattr(build_jwt_settings({key: value}), key) == value


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
    built = build_jwt_settings({"SIGN_IN_THROTTLE_RATE": rate})
    assert rate == built.SIGN_IN_THROTTLE_RATE
    throttle = AnonRateThrottle(rate)
    assert (throttle.num_requests, throttle.duration) == (requests, seconds)


def test_check_reports_a_bad_new_setting(settings: Any) -> None:
    change_jwt_settings(settings, JWT_ALGORITHM="HS256")
    with pytest.raises(SystemCheckError) as failure:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    assert "ninja_simple_jwt.E001" in str(failure.value)
    assert "JWT_ALGORITHM" in str(failure.value)


def test_every_key_has_a_default() -> None:
    # Unknown keys are refused by comparing with DEFAULTS: every key must be there.
    built = build_jwt_settings({})
    for key in DEFAULTS:
        assert hasattr(built, key), key
