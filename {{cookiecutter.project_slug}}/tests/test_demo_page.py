"""The demo page at /demo/: served where the settings switch it on, 404 everywhere else."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import LOGIN_CLAIM, url
from tests.environment import settings_module

FILES = {
    "demo:page": "text/html",
    "demo:script": "text/javascript",
    "demo:stylesheet": "text/css",
    "demo:config": "application/json",
}


@pytest.fixture
def demo_on(settings: Any) -> None:
    settings.DEMO_PAGE_ENABLED = True


def test_the_page_lives_at_slash_demo() -> None:
    assert reverse("demo:page") == "/demo/"
    assert reverse("demo:script") == "/demo/demo.js"


@pytest.mark.usefixtures("demo_on")
@pytest.mark.parametrize(("name", "content_type"), FILES.items())
def test_served_when_switched_on_under_a_strict_policy(
    client: Client, name: str, content_type: str
) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    directives = response["Content-Security-Policy"].split(";")
    policy = dict(directive.strip().split(" ", 1) for directive in directives)
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("demo_on")
def test_the_page_has_no_inline_or_third_party_script(client: Client) -> None:
    html = client.get(reverse("demo:page")).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script type="module" src="demo.js">']
    assert "://" not in html  # nothing loaded from anywhere else
    assert "<style" not in html
    assert " style=" not in html
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None  # no onclick= and the like


@pytest.mark.usefixtures("demo_on")
def test_the_script_keeps_the_access_token_in_memory_only(client: Client) -> None:
    script = client.get(reverse("demo:script")).content.decode()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("//"))
    assert "let accessToken = null;" in code
    for storage in ("localStorage", "sessionStorage", "indexedDB", "caches."):
        assert storage not in code
    assert re.search(r"document\.cookie\s*=[^=]", code) is None  # never written as a cookie


@pytest.mark.usefixtures("demo_on")
def test_the_script_writes_text_never_html(client: Client) -> None:
    """The sessions panel shows user agents, which any client chooses: text nodes only."""
    script = client.get(reverse("demo:script")).content.decode()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


@pytest.mark.usefixtures("demo_on")
def test_config_points_at_the_web_router_and_the_account_routes(client: Client) -> None:
    config = client.get(reverse("demo:config")).json()
    assert config["urls"] == {
        "sign_in": url("web_signin"),
        "refresh": url("web_token_refresh"),
        "sign_out": url("web_sign_out"),
        "me": url("me"),
        "sessions": url("account_sessions"),
        "password": url("account_password"),
    }
    assert config["login_field"] == LOGIN_CLAIM
    assert config["title"]


@pytest.mark.usefixtures("demo_on")
def test_only_get_and_head(client: Client) -> None:
    assert client.head(reverse("demo:page")).status_code == 200
    assert client.post(reverse("demo:page")).status_code == 405


@pytest.mark.parametrize("name", FILES)
def test_switched_off_everything_is_404(client: Client, settings: Any, name: str) -> None:
    settings.DEMO_PAGE_ENABLED = False
    assert client.get(reverse(name)).status_code == 404


def test_the_test_settings_leave_it_off() -> None:
    assert settings.DEMO_PAGE_ENABLED is False


@pytest.mark.parametrize(
    ("module", "variable", "expected"),
    [
        ("local", None, True),
        ("local", "false", False),
        ("production", None, False),
        ("production", "true", True),
    ],
)
def test_on_in_local_off_in_production_unless_switched_on(
    monkeypatch: pytest.MonkeyPatch, module: str, variable: str | None, expected: bool
) -> None:
    names = settings_module(module, monkeypatch, DJANGO_DEMO_PAGE=variable)
    assert names["DEMO_PAGE_ENABLED"] is expected
