"""The URLs are where the answers at generation time put them, and the refresh cookie follows."""

{% if cookiecutter.web_auth %}
from django.conf import settings

{% endif %}
from tests.conftest import url


def test_api_is_mounted_at_the_chosen_path() -> None:
    assert url("health") == "/{{ cookiecutter.api_path.strip('/') }}/health"
    assert url("me") == "/{{ cookiecutter.api_path.strip('/') }}/me"
{% if cookiecutter.mobile_auth %}


def test_mobile_router_paths() -> None:
    mobile = "/{{ cookiecutter.api_path.strip('/') }}/{{ cookiecutter.mobile_auth_path.strip('/') }}"
    assert url("mobile_signin") == f"{mobile}/sign-in"
    assert url("mobile_token_refresh") == f"{mobile}/token-refresh"
{% endif %}
{% if cookiecutter.web_auth %}


def test_web_router_paths() -> None:
    web = "/{{ cookiecutter.api_path.strip('/') }}/{{ cookiecutter.web_auth_path.strip('/') }}"
    assert url("web_signin") == f"{web}/sign-in"
    assert url("web_token_refresh") == f"{web}/token-refresh"
    assert url("web_sign_out") == f"{web}/sign-out"


def test_refresh_cookie_path_is_exactly_the_web_mount() -> None:
    cookie_path = settings.NINJA_SIMPLE_JWT["WEB_REFRESH_COOKIE_PATH"]
    assert url("web_token_refresh") == f"{cookie_path}/token-refresh"
    assert url("web_sign_out") == f"{cookie_path}/sign-out"
    # Nothing else of the API lies under the cookie's path, so the browser sends it nowhere else.
    assert not url("me").startswith(f"{cookie_path}/")
    assert not url("health").startswith(f"{cookie_path}/")
{% if cookiecutter.mobile_auth %}
    assert not url("mobile_signin").startswith(f"{cookie_path}/")
    assert not url("mobile_token_refresh").startswith(f"{cookie_path}/")
{% endif %}
{% endif %}
