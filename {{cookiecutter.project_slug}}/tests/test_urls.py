"""The URLs are where the answers at generation time put them, and the refresh cookie follows."""

from typing import Any

{% if cookiecutter.web_auth %}
from django.conf import settings
{% endif %}
from django.test import Client
{% if cookiecutter.web_auth %}
from ninja_simple_jwt.conf import get_jwt_settings
{% endif %}

{% if cookiecutter.mobile_auth %}
from tests.conftest import CREDENTIALS, bearer, url
{% else %}
from tests.conftest import CREDENTIALS, url
{% endif %}


def test_api_is_mounted_at_the_chosen_path() -> None:
    assert url("health") == "/{{ cookiecutter.api_path.strip('/') }}/health"
    assert url("me") == "/{{ cookiecutter.api_path.strip('/') }}/me"
    assert url("me_async") == "/{{ cookiecutter.api_path.strip('/') }}/me/async"


def test_account_router_is_mounted_in_the_api() -> None:
    account = "/{{ cookiecutter.api_path.strip('/') }}/account"
    assert url("account_sessions") == f"{account}/sessions"
    assert url("account_password") == f"{account}/password"
{% if cookiecutter.mobile_auth %}


def test_mobile_router_paths() -> None:
    mobile = "/{{ cookiecutter.api_path.strip('/') }}/{{ cookiecutter.mobile_auth_path.strip('/') }}"
    assert url("mobile_signin") == f"{mobile}/sign-in"
    assert url("mobile_token_refresh") == f"{mobile}/token-refresh"
    assert url("mobile_sign_out") == f"{mobile}/sign-out"


def test_mobile_sign_in_and_refresh_work_at_the_chosen_paths(client: Client, user: Any) -> None:
    signed_in = client.post(url("mobile_signin"), CREDENTIALS, content_type="application/json")
    assert signed_in.status_code == 200, signed_in.content
    refreshed = client.post(
        url("mobile_token_refresh"),
        {"refresh": signed_in.json()["refresh"]},
        content_type="application/json",
    )
    assert refreshed.status_code == 200, refreshed.content
    assert client.get(url("me"), headers=bearer(refreshed.json()["access"])).status_code == 200
{% endif %}
{% if cookiecutter.web_auth %}


def test_web_router_paths() -> None:
    web = "/{{ cookiecutter.api_path.strip('/') }}/{{ cookiecutter.web_auth_path.strip('/') }}"
    assert url("web_signin") == f"{web}/sign-in"
    assert url("web_token_refresh") == f"{web}/token-refresh"
    assert url("web_sign_out") == f"{web}/sign-out"


def test_web_cookie_is_scoped_to_the_chosen_path_and_works_there(client: Client, user: Any) -> None:
    signed_in = client.post(url("web_signin"), CREDENTIALS, content_type="application/json")
    assert signed_in.status_code == 200, signed_in.content
    cookie = signed_in.cookies[get_jwt_settings().JWT_REFRESH_COOKIE_NAME]
    web = "/{{ cookiecutter.api_path.strip('/') }}/{{ cookiecutter.web_auth_path.strip('/') }}"
    assert cookie["path"] == web
    # The test client sends the cookie back, as a browser does on this path.
    assert client.post(url("web_token_refresh")).status_code == 200
    assert client.post(url("web_sign_out")).status_code == 204


def test_refresh_cookie_path_is_exactly_the_web_mount() -> None:
    cookie_path = settings.NINJA_SIMPLE_JWT["WEB_REFRESH_COOKIE_PATH"]
    assert url("web_token_refresh") == f"{cookie_path}/token-refresh"
    assert url("web_sign_out") == f"{cookie_path}/sign-out"
    # Nothing else of the API lies under the cookie's path, so the browser sends it nowhere else.
    assert not url("me").startswith(f"{cookie_path}/")
    assert not url("me_async").startswith(f"{cookie_path}/")
    assert not url("health").startswith(f"{cookie_path}/")
{% if cookiecutter.mobile_auth %}
    assert not url("mobile_signin").startswith(f"{cookie_path}/")
    assert not url("mobile_token_refresh").startswith(f"{cookie_path}/")
    assert not url("mobile_sign_out").startswith(f"{cookie_path}/")
{% endif %}
    assert not url("account_sessions").startswith(f"{cookie_path}/")
{% endif %}
