"""Front ends on other origins: the ones listed may call the API with credentials, no others."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import CREDENTIALS, SIGN_IN, url
from tests.environment import settings_module

ALLOWED = "http://localhost:5173"


@pytest.fixture(autouse=True)
def allowed_origins(settings: Any) -> None:
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def test_a_listed_origin_may_read_answers_with_credentials(client: Client) -> None:
    response = client.get(url("health"), headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    # Caches must not hand one origin's answer to another.
    assert "origin" in response["Vary"].lower()


def test_preflight_of_a_json_post_with_a_bearer_token(client: Client) -> None:
    response = client.options(
        url(SIGN_IN),
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://localhost:5174",  # another port is another origin
        "https://localhost:5173",  # and so is another scheme
        "http://localhost:5173.evil.example",
        "null",
    ],
)
def test_other_origins_get_no_cors_headers(client: Client, origin: str) -> None:
    # The server still answers: it is the browser that keeps the answer from the page.
    response = client.get(url("health"), headers={"Origin": origin})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response

    preflight = client.options(
        url(SIGN_IN),
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight


def test_no_wildcard_and_credentials_only_for_listed_origins() -> None:
    assert getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False) is False
    assert getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", []) == []
    assert settings.CORS_ALLOW_CREDENTIALS is True


@pytest.mark.django_db
def test_only_the_api_is_open_to_other_origins(client: Client) -> None:
    response = client.get("/admin/login/", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_sign_in_from_a_listed_origin(client: Client, user: Any) -> None:
    response = client.post(
        url(SIGN_IN), CREDENTIALS, content_type="application/json", headers={"Origin": ALLOWED}
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
{% if cookiecutter.web_auth %}

    # The web router's cookie comes with the answer; the browser keeps it for the API's origin.
    response = client.post(
        url("web_signin"), CREDENTIALS, content_type="application/json", headers={"Origin": ALLOWED}
    )
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response.cookies["refresh"]["httponly"] is True
{% endif %}


@pytest.mark.parametrize(
    ("module", "variable", "expected"),
    [
        ("local", None, ["http://localhost:5173", "http://127.0.0.1:5173"]),
        ("local", "https://app.example.com", ["https://app.example.com"]),
        ("production", None, []),
        (
            "production",
            "https://app.example.com,https://admin.example.com",
            ["https://app.example.com", "https://admin.example.com"],
        ),
    ],
)
def test_allowed_origins_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, module: str, variable: str | None, expected: list[str]
) -> None:
    names = settings_module(module, monkeypatch, DJANGO_CORS_ALLOWED_ORIGINS=variable)
    assert names["CORS_ALLOWED_ORIGINS"] == expected
