"""Sign-in throttling: django-ninja's throttle at SIGN_IN_THROTTLE_RATE, per client.

The throttle counts in Django's cache, which the suite empties before every test.
"""

from typing import Any

import pytest
from django.test import Client
from ninja.conf import settings as ninja_settings
from ninja.throttling import SimpleRateThrottle

from tests.conftest import CREDENTIALS, SIGN_IN, url

TOO_MANY = {"detail": "Too many requests."}
DEFAULT_LIMIT = 10


def sign_in(client: Client, name: str = SIGN_IN, password: str | None = None, **extra: Any) -> Any:
    credentials = {**CREDENTIALS, "password": password or CREDENTIALS["password"]}
    return client.post(url(name), credentials, content_type="application/json", **extra)


class FakeTimer:
    """Stands in for the throttle's wall clock."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def timer(monkeypatch: pytest.MonkeyPatch) -> FakeTimer:
    fake = FakeTimer()
    monkeypatch.setattr(SimpleRateThrottle, "timer", fake)
    return fake


def test_the_eleventh_sign_in_within_a_minute_is_a_json_429(client: Client, user: Any) -> None:
    for attempt in range(DEFAULT_LIMIT):
        assert sign_in(client).status_code == 200, attempt
    response = sign_in(client)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == TOO_MANY
    assert 0 < int(response["Retry-After"]) <= 60


def test_failed_attempts_count_and_the_right_password_then_waits(client: Client, user: Any) -> None:
    for _ in range(DEFAULT_LIMIT):
        assert sign_in(client, password="wrong").status_code == 401
    response = sign_in(client)
    assert response.status_code == 429
    assert response.json() == TOO_MANY
    user.refresh_from_db()
    assert user.last_login is None  # the password was not even checked


def test_the_limit_resets_after_the_period(client: Client, user: Any, timer: FakeTimer) -> None:
    for _ in range(DEFAULT_LIMIT):
        sign_in(client)
    assert sign_in(client).status_code == 429
    timer.now += 61
    assert sign_in(client).status_code == 200


def test_each_client_has_its_own_budget(client: Client, user: Any) -> None:
    for _ in range(DEFAULT_LIMIT):
        sign_in(client, REMOTE_ADDR="203.0.113.1")
    assert sign_in(client, REMOTE_ADDR="203.0.113.1").status_code == 429
    assert sign_in(client, REMOTE_ADDR="203.0.113.2").status_code == 200


def test_forwarded_for_headers_do_not_escape_the_limit_without_proxies(
    client: Client, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NINJA_NUM_PROXIES = 0: the app is reached directly, X-Forwarded-For is the client's word.
    monkeypatch.setattr(ninja_settings, "NUM_PROXIES", 0)
    for number in range(DEFAULT_LIMIT):
        sign_in(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert sign_in(client, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


{% if cookiecutter.mobile_auth and cookiecutter.web_auth %}
def test_both_sign_in_endpoints_share_one_budget(client: Client, user: Any) -> None:
    for attempt in range(DEFAULT_LIMIT):
        name = "mobile_signin" if attempt % 2 else "web_signin"
        assert sign_in(client, name).status_code == 200
    assert sign_in(client, "mobile_signin").status_code == 429
    assert sign_in(client, "web_signin").status_code == 429


{% endif %}
def test_the_rate_follows_the_setting(settings: Any, client: Client, user: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "SIGN_IN_THROTTLE_RATE": "2/min"}
    assert sign_in(client).status_code == 200
    assert sign_in(client).status_code == 200
    assert sign_in(client).status_code == 429


def test_none_turns_throttling_off(settings: Any, client: Client, user: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "SIGN_IN_THROTTLE_RATE": None}
    for attempt in range(DEFAULT_LIMIT + 5):
        assert sign_in(client).status_code == 200, attempt


{% if cookiecutter.mobile_auth %}
def test_token_refresh_is_not_throttled(client: Client, refresh_token: str) -> None:
    for attempt in range(DEFAULT_LIMIT + 5):
        response = client.post(
            url("mobile_token_refresh"),
            {"refresh": refresh_token},
            content_type="application/json",
        )
        assert response.status_code == 200, attempt


{% endif %}
def test_the_openapi_schema_documents_the_429(client: Client) -> None:
    schema = client.get("/{{ cookiecutter.api_path.strip('/') }}/openapi.json").json()
    sign_in_path = url(SIGN_IN)
    responses = schema["paths"][sign_in_path]["post"]["responses"]
    assert "429" in responses
    assert set(responses) >= {"200", "401", "429"}
