"""The web flow in a real browser: headless Chromium (Debian's package) driven by Playwright.

A baked project at non-default paths (API at /v1, web router at /v1/session, mobile router at
/v1/app-auth) is served by runserver with its local settings. The demo page signs in; small pages
on other origins play single-page apps. Where a cookie went is read from the request headers the
browser itself sent (``Request.all_headers()``, which holds the real Cookie header), not inferred.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    TEMPLATE_DIR,
    Client,
    bake,
    create_users_command,
    project_env,
    refresh_cookie,
    run,
    start_server,
    stop,
)

# One worker runs this module (scripts/test.sh passes --dist loadgroup): one bake, one server.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Playwright's own browser download cannot work here: it drives the system's Chromium.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # every wait of the browser is bounded by this

USERNAME, PASSWORD = "ada", "correct horse battery staple"
ACCOUNT_USER = "grace"  # the account test's alone: the sessions listed are that test's own
ATTACKER = "mallory"  # a user of the site, who wants the victim's browser signed in as her
API = "/v1"
WEB = "/v1/session"  # the web router's mount, and the refresh cookie's Path
SIGN_IN, REFRESH, SIGN_OUT = f"{WEB}/sign-in", f"{WEB}/token-refresh", f"{WEB}/sign-out"
ME = f"{API}/me"
COOKIE = "refresh"
SCREENSHOT = TEMPLATE_DIR / "docs" / "demo-page.png"

# A page's fetch() as a single-page app makes it; any failure comes back as {"error": ...}.
CALL_API = """
async ({method, url, body, token, credentials = "include", mode = "cors"}) => {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const response = await fetch(url, {
      method, headers, credentials, mode, signal: AbortSignal.timeout(10000),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {status: response.status, type: response.type, text: await response.text()};
  } catch (error) {
    return {error: String(error)};
  }
}
"""


def require_browser() -> Any:
    """Playwright's sync API, or a skip (a failure in CI) saying what is missing."""
    missing = []
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
        missing.append("the playwright package (requirements/tests.txt)")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return sync_api


class Site:
    """The baked project with one user, served by one runserver process per settings module."""

    def __init__(self, project: Path, python: str, spa_origins: list[str]) -> None:
        self.project, self.python = project, python
        self.env = project_env(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DJANGO_CORS_ALLOWED_ORIGINS=",".join(spa_origins),
        )
        self.processes: list[Any] = []

    def manage(self, *arguments: str) -> None:
        run([self.python, "manage.py", *arguments], self.project, env=self.env)

    def serve(self, name: str = "local", **jwt_settings: Any) -> str:
        """Start a server with the local settings, ``jwt_settings`` over its NINJA_SIMPLE_JWT in
        a settings module ``name``; its base URL, by host name: other localhost ports are the
        same site."""
        if jwt_settings:
            (self.project / "config" / "settings" / f"{name}.py").write_text(
                "from .local import *  # noqa: F403\nfrom .local import NINJA_SIMPLE_JWT\n"
                f"NINJA_SIMPLE_JWT = {{**NINJA_SIMPLE_JWT, **{jwt_settings!r}}}\n"
            )
        env = {**self.env, "DJANGO_SETTINGS_MODULE": f"config.settings.{name}"}
        process, port = start_server(self.project, self.python, env)
        self.processes.append(process)
        return f"http://localhost:{port}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_origin(directory: Path) -> Iterator[int]:
    """A tiny static site of ``directory`` on a port of its own, the origin of a front end that
    calls the API; its port."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def spa_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("spa")
    (directory / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>Front end</title><h1>Front end</h1>\n'
    )
    return directory


@pytest.fixture(scope="module")
def spa(spa_directory: Path) -> Iterator[int]:
    """The port of the front end whose origins the API allows: http://localhost:<port> (same
    site as the API) and http://127.0.0.1:<port> (another site)."""
    with static_origin(spa_directory) as port:
        yield port


@pytest.fixture(scope="module")
def stranger(spa_directory: Path) -> Iterator[int]:
    """The port of pages on an origin that the API does not list: a stranger's front end, or
    an attacker's."""
    with static_origin(spa_directory) as port:
        yield port


@pytest.fixture(scope="module")
def site(cookies_session: Any, project_python: str, spa: int) -> Iterator[Site]:
    project = bake(cookies_session, **NON_DEFAULT_PATHS)
    baked = Site(project, project_python, [f"http://localhost:{spa}", f"http://127.0.0.1:{spa}"])
    baked.manage("migrate", "--verbosity", "0")
    baked.manage(*create_users_command(PASSWORD, USERNAME, ACCOUNT_USER, ATTACKER))
    try:
        yield baked
    finally:
        for process in baked.processes:
            stop(process)


@pytest.fixture(scope="module")
def api(site: Site) -> str:
    """Base URL of the project served with its local settings."""
    return site.serve()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS * 2
        )
        try:
            yield chromium
        finally:
            chromium.close()


def new_context(browser: Any, **options: Any) -> Any:
    """A fresh browser profile (no cookies), every wait bounded."""
    browser_context = browser.new_context(viewport={"width": 1000, "height": 900}, **options)
    browser_context.set_default_timeout(TIMEOUT_MS)
    browser_context.set_default_navigation_timeout(TIMEOUT_MS)
    return browser_context


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile per test (no cookies), every wait bounded."""
    browser_context = new_context(browser)
    try:
        yield browser_context
    finally:
        browser_context.close()


@pytest.fixture
def sent(context: Any) -> list[Any]:
    """Every request the browser context sends, to read the headers that really went out."""
    requests: list[Any] = []
    context.on("request", lambda request: requests.append(request))  # not a built-in method
    return requests


@pytest.fixture
def page(context: Any, sent: list[Any]) -> Any:
    return context.new_page()


def csp_reports(page: Any) -> list[str]:
    """What the browser reports blocking under a Content-Security-Policy, from now on."""
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return reports


# --- the demo page ------------------------------------------------------------------------


def act(page: Any, action: Callable[[], None]) -> None:
    """Do something on the demo page and wait until the page has finished handling it."""
    before = int(page.get_attribute("body", "data-actions"))
    action()
    page.wait_for_selector(f'body[data-actions="{before + 1}"]', state="attached")


def open_demo(page: Any, api: str) -> None:
    page.goto(f"{api}/demo/")
    # The page's first action is a refresh with whatever cookie the browser holds.
    page.wait_for_selector('body[data-actions="1"]', state="attached")


def reload(page: Any) -> None:
    page.reload()
    page.wait_for_selector('body[data-actions="1"]', state="attached")


def sign_in(
    page: Any, username: str = USERNAME, password: str = PASSWORD, status: str = "200"
) -> None:
    page.fill("#login", username)
    page.fill("#password", password)
    act(page, lambda: page.click("#sign-in button[type=submit]"))
    assert page.get_attribute("#result", "data-status") == status


def state(page: Any) -> str:
    return str(page.get_attribute("#status", "data-state"))


def shown_claims(page: Any) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(page.text_content("#claims"))
    return claims


def refresh_cookies(context: Any) -> list[dict[str, Any]]:
    return [cookie for cookie in context.cookies() if cookie["name"] == COOKIE]


def cookie_destinations(requests: list[Any]) -> dict[str, set[str]]:
    """The paths of ``requests`` split by whether the refresh cookie went with them."""
    split: dict[str, set[str]] = {"with": set(), "without": set()}
    for request in requests:
        cookies = request.all_headers().get("cookie", "").split(";")
        carried = any(part.strip().startswith(f"{COOKIE}=") for part in cookies)
        split["with" if carried else "without"].add(urlsplit(request.url).path)
    return split


def test_sign_in_on_the_demo_page_keeps_the_refresh_token_from_script(
    context: Any, page: Any, api: str, site: Site, tmp_path: Path
) -> None:
    csp_violations = csp_reports(page)
    open_demo(page, api)
    assert state(page) == "signed-out"  # no cookie yet: the refresh on load got a 401
    assert page.get_attribute("#result", "data-status") == "401"

    sign_in(page)
    assert state(page) == "signed-in"
    assert (shown_claims(page)["username"], shown_claims(page)["token_type"]) == (
        USERNAME,
        "access",
    )

    # The browser holds the refresh token, HttpOnly, Strict, scoped to the web router's mount.
    [cookie] = refresh_cookies(context)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", WEB)
    public_key = (site.project / "jwt-signing.pub").read_bytes()
    assert jwt.decode(cookie["value"], public_key, ["RS256"])["token_type"] == "refresh"

    # ... and script cannot see it: not in document.cookie, nor in what the page shows.
    document_cookie = page.evaluate("document.cookie")
    assert cookie["value"] not in document_cookie
    assert f"{COOKIE}=" not in document_cookie
    assert cookie["value"] not in page.text_content("#cookies")
    # Not even on a page under the cookie's own path, where a script could see a plain cookie.
    under_the_path = page.context.new_page()
    under_the_path.goto(f"{api}{REFRESH}")  # a GET: 405, but a document all the same
    assert f"{COOKIE}=" not in under_the_path.evaluate("document.cookie")
    under_the_path.close()
    # The access token is in memory only: no web storage holds anything.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0

    act(page, lambda: page.click("#call-me"))
    assert page.get_attribute("#result", "data-status") == "200"
    assert json.loads(page.text_content("#me"))["username"] == USERNAME
    # The page's strict Content-Security-Policy (no inline script) blocked nothing it needs.
    assert csp_violations == []

    # The picture in the template's docs: regenerated only on request.
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "demo.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_a_reload_refreshes_with_the_cookie_alone_and_sign_out_ends_the_session(
    context: Any, page: Any, sent: list[Any], api: str
) -> None:
    open_demo(page, api)
    sign_in(page)
    [cookie_before], claims_before = refresh_cookies(context), shown_claims(page)

    since = len(sent)
    reload(page)
    # The old access token died with the page; the refresh on load made a new one, sending
    # nothing but the cookie, and its answer replaced the cookie in place.
    assert state(page) == "signed-in"
    claims = shown_claims(page)
    assert claims["jti"] != claims_before["jti"]
    assert (claims["user_id"], claims["token_type"]) == (claims_before["user_id"], "access")
    [refreshed] = [r for r in sent[since:] if urlsplit(r.url).path == REFRESH]
    headers = refreshed.all_headers()
    assert "authorization" not in headers and f"{COOKIE}=" in headers.get("cookie", "")
    assert refreshed.post_data in (None, "")
    [cookie] = refresh_cookies(context)
    assert cookie["value"] != cookie_before["value"]
    assert (cookie["path"], cookie["httpOnly"], cookie["sameSite"]) == (WEB, True, "Strict")
    act(page, lambda: page.click("#call-me"))
    assert page.get_attribute("#result", "data-status") == "200"

    act(page, lambda: page.click("#sign-out"))
    assert page.get_attribute("#result", "data-status") == "204"
    assert state(page) == "signed-out"
    assert refresh_cookies(context) == []
    since = len(sent)
    act(page, lambda: page.click("#refresh"))
    assert page.get_attribute("#result", "data-status") == "401"
    assert cookie_destinations(sent[since:])["with"] == set()
    reload_signed_out(page)


# Requests a signed-in page makes beyond the web router, each of which must go without the
# cookie: the protected resource, the rest of the API, a path sharing the mount's leading
# characters, the mobile router, the JWK Set, the demo's own files.
ELSEWHERE = [
    ("GET", ME),
    ("GET", f"{API}/health"),
    ("GET", f"{API}/openapi.json"),
    ("GET", f"{WEB}x/token-refresh"),
    ("POST", f"{API}/app-auth/token-refresh"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/demo/config.json"),
    ("GET", "/"),
]


def cookie_scope_of_the_demo_flow(page: Any, sent: list[Any], api: str) -> dict[str, set[str]]:
    """Sign in, use the API everywhere, refresh, sign out; where did the cookie go?"""
    open_demo(page, api)
    sign_in(page)
    since = len(sent)
    act(page, lambda: page.click("#call-me"))
    page.evaluate(
        """async (requests) => {
          for (const [method, path] of requests) {
            await fetch(path, {method, signal: AbortSignal.timeout(10000)});
          }
        }""",
        ELSEWHERE,
    )
    act(page, lambda: page.click("#refresh"))
    assert page.get_attribute("#result", "data-status") == "200"
    act(page, lambda: page.click("#sign-out"))
    assert page.get_attribute("#result", "data-status") == "204"
    return cookie_destinations(sent[since:])


def test_the_refresh_cookie_goes_to_refresh_and_sign_out_only(
    page: Any, sent: list[Any], api: str
) -> None:
    destinations = cookie_scope_of_the_demo_flow(page, sent, api)
    assert destinations["with"] == {REFRESH, SIGN_OUT}
    assert {path for _, path in ELSEWHERE} <= destinations["without"]


def test_a_widened_cookie_path_would_be_caught(page: Any, sent: list[Any], site: Site) -> None:
    """The check above has teeth: with the cookie's Path widened to the API, it sees the leak."""
    widened = site.serve("widened_cookie", WEB_REFRESH_COOKIE_PATH="/v1")
    destinations = cookie_scope_of_the_demo_flow(page, sent, widened)
    assert {ME, f"{API}/health", f"{API}/app-auth/token-refresh"} <= destinations["with"]


# --- the demo page's sessions panel and password form ------------------------------------

NEW_PASSWORD = "a longer passphrase than before"


@pytest.fixture(scope="module")
def unthrottled_api(site: Site) -> str:
    """Where the account test and the attacks are served: the local settings without the
    sign-in throttle, since with the rest of this module they sign in more often than it allows
    one address (10 a minute)."""
    return site.serve("no_throttle", SIGN_IN_THROTTLE_RATE=None)


def agent(device: str) -> str:
    return f"Mozilla/5.0 (X11; Linux x86_64) DemoTest/{device}"


@pytest.fixture
def devices(browser: Any) -> Iterator[Callable[[str], Any]]:
    """Pages in browser profiles of their own, one per device: own cookies, and a user agent
    naming the device (the sessions panel shows it)."""
    contexts: list[Any] = []

    def open_device(device: str) -> Any:
        contexts.append(new_context(browser, user_agent=agent(device)))
        return contexts[-1].new_page()

    try:
        yield open_device
    finally:
        for browser_context in contexts:
            browser_context.close()


def signed_in_devices(devices: Callable[[str], Any], api: str, *names: str) -> list[Any]:
    pages = []
    for name in names:
        device = devices(name)
        open_demo(device, api)
        sign_in(device, ACCOUNT_USER)
        pages.append(device)
    return pages


def listed_sessions(page: Any) -> list[tuple[str, str]]:
    """(user agent, "true" for the current one) of each session the panel lists."""
    rows: list[list[str]] = page.eval_on_selector_all(
        "#sessions li[data-session-id]",
        "items => items.map((item) => [item.querySelector('strong').textContent,"
        " item.dataset.current])",
    )
    return [(user_agent, current) for user_agent, current in rows]


def reload_signed_out(page: Any) -> None:
    """Reload: the refresh on load is answered 401, and the page stays signed out."""
    with page.expect_response(lambda response: urlsplit(response.url).path == REFRESH) as answer:
        reload(page)
    assert answer.value.status == 401
    assert state(page) == "signed-out"


def change_password(page: Any, current: str, new: str) -> list[str]:
    """Fill in and send the password form; the messages it shows."""
    page.fill("#current-password", current)
    page.fill("#new-password", new)
    act(page, lambda: page.click("#password-change button[type=submit]"))
    said: list[str] = page.locator("#password-messages li").all_text_contents()
    return said


def test_the_sessions_panel_and_the_password_form_on_two_devices(
    devices: Callable[[str], Any], unthrottled_api: str
) -> None:
    laptop, phone = signed_in_devices(devices, unthrottled_api, "Laptop", "Phone")
    reports = csp_reports(laptop)
    act(laptop, lambda: laptop.click("#list-sessions"))
    assert sorted(listed_sessions(laptop)) == [(agent("Laptop"), "true"), (agent("Phone"), "false")]
    assert laptop.locator("#sessions li[data-current=true] .current").text_content() == (
        "this browser"
    )

    # Revoked from the laptop: the phone still holds its cookie, but the session behind it is
    # gone. The laptop's own session goes on.
    phone_row = laptop.locator("#sessions li", has_text=agent("Phone"))
    act(laptop, lambda: phone_row.get_by_role("button", name="Revoke").click())
    assert laptop.get_attribute("#result", "data-status") == "204"
    assert listed_sessions(laptop) == [(agent("Laptop"), "true")]
    assert len(refresh_cookies(phone.context)) == 1
    reload_signed_out(phone)
    act(laptop, lambda: laptop.click("#refresh"))
    assert laptop.get_attribute("#result", "data-status") == "200"
    sign_in(phone, ACCOUNT_USER)

    # The form says why a change is refused (AUTH_PASSWORD_VALIDATORS: one message each).
    assert change_password(laptop, "not it", NEW_PASSWORD) == ["The current password is wrong."]
    assert laptop.get_attribute("#password-messages", "data-status") == "400"
    refused = change_password(laptop, PASSWORD, "12345678")
    assert laptop.get_attribute("#password-messages", "data-status") == "422"
    assert {"This password is too common.", "This password is entirely numeric."} <= set(refused)
    # A change ends every other session; the laptop's goes on.
    change_password(laptop, PASSWORD, NEW_PASSWORD)
    assert laptop.get_attribute("#password-messages", "data-status") == "204"
    assert listed_sessions(laptop) == [(agent("Laptop"), "true")]
    reload_signed_out(phone)
    sign_in(phone, ACCOUNT_USER, PASSWORD, status="401")
    sign_in(phone, ACCOUNT_USER, NEW_PASSWORD)

    # Signing out everywhere ends every session, and the page drops its dead cookie.
    act(laptop, lambda: laptop.click("#sign-out-everywhere"))
    assert laptop.get_attribute("#result", "data-status") == "204"
    assert state(laptop) == "signed-out"
    assert refresh_cookies(laptop.context) == []
    reload_signed_out(phone)
    assert reports == []


# --- front ends on other origins -----------------------------------------------------------


def call(page: Any, method: str, url: str, **options: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(CALL_API, {"method": method, "url": url, **options})
    return result


def test_a_front_end_on_another_origin_of_the_same_site(
    context: Any, page: Any, sent: list[Any], api: str, spa: int
) -> None:
    # localhost:<spa> and localhost:<api> are two origins of one site: the Strict cookie flows.
    page.goto(f"http://localhost:{spa}/")
    credentials = {"username": USERNAME, "password": PASSWORD}
    with page.expect_response(f"{api}{SIGN_IN}") as signed_in:
        result = call(page, "POST", f"{api}{SIGN_IN}", body=credentials)
    assert result.get("status") == 200, result
    access = json.loads(result["text"])["access"]
    assert signed_in.value.headers["access-control-allow-origin"] == f"http://localhost:{spa}"
    assert signed_in.value.headers["access-control-allow-credentials"] == "true"
    [cookie] = refresh_cookies(context)
    assert (cookie["domain"], cookie["path"], cookie["httpOnly"]) == ("localhost", WEB, True)
    assert f"{COOKIE}=" not in page.evaluate("document.cookie")

    since = len(sent)
    me = call(page, "GET", f"{api}{ME}", token=access)
    assert me.get("status") == 200, me
    assert json.loads(me["text"])["username"] == USERNAME

    refreshed = call(page, "POST", f"{api}{REFRESH}")
    assert refreshed.get("status") == 200, refreshed
    assert set(json.loads(refreshed["text"])) == {"access"}

    signed_out = call(page, "POST", f"{api}{SIGN_OUT}")
    assert signed_out.get("status") == 204, signed_out
    assert refresh_cookies(context) == []
    assert call(page, "POST", f"{api}{REFRESH}").get("status") == 401

    destinations = cookie_destinations(sent[since:])
    assert destinations["with"] == {REFRESH, SIGN_OUT}
    assert ME in destinations["without"]


def test_a_page_from_an_origin_not_allowed_cannot_read_the_api(
    context: Any, page: Any, api: str, stranger: int
) -> None:
    page.goto(f"http://localhost:{stranger}/")
    # No Access-Control-Allow-Origin for this origin: the browser rejects every fetch.
    for credentials in ("include", "omit"):
        result = call(page, "GET", f"{api}{API}/health", credentials=credentials)
        assert "TypeError" in result.get("error", ""), result
    # A JSON sign-in needs a preflight, which fails: the sign-in itself is never sent.
    credentials_body = {"username": USERNAME, "password": PASSWORD}
    result = call(page, "POST", f"{api}{SIGN_IN}", body=credentials_body)
    assert "TypeError" in result.get("error", ""), result
    assert refresh_cookies(context) == []
    # Without CORS ("no-cors") the answer is opaque: no status, no body for the page.
    opaque = call(page, "GET", f"{api}{API}/health", mode="no-cors")
    assert (opaque.get("type"), opaque.get("status"), opaque.get("text")) == ("opaque", 0, "")


def test_a_front_end_on_another_site_gets_no_strict_cookie(
    context: Any, page: Any, api: str, spa: int
) -> None:
    """127.0.0.1 is another site than localhost: CORS allows the call, SameSite=Strict keeps
    the refresh cookie out (the README's case for SameSite=None; Secure and CSRF thinking)."""
    page.goto(f"http://127.0.0.1:{spa}/")
    credentials = {"username": USERNAME, "password": PASSWORD}
    result = call(page, "POST", f"{api}{SIGN_IN}", body=credentials)
    assert result.get("status") == 200, result  # the origin is allowed: the page reads it
    assert refresh_cookies(context) == []  # but the browser refused the cross-site cookie
    assert call(page, "POST", f"{api}{REFRESH}").get("status") == 401


# --- attacks a browser can be made to carry ------------------------------------------------


def plain_sign_in(api: str, body: bytes) -> str:
    """POST ``body`` to the web sign-in as application/json, from outside any browser; the
    refresh token of the cookie it sets."""
    status, headers, answer = Client(urlsplit(api).port or 80).request("POST", SIGN_IN, body)
    assert status == 200, answer
    return refresh_cookie(headers, COOKIE).value


def text_plain_form_page(action: str, body: dict[str, str]) -> str:
    """A page that posts ``body`` as JSON to ``action`` the moment it loads, by the one route
    open to any site: a top-level form navigation (no CORS, no preflight) with
    enctype="text/plain", which sends its one field as ``name=value`` with nothing escaped. The
    name holds the JSON up to an extra key's opening quote, the value closes it: the "=" lands
    inside a string."""
    name, value = json.dumps(body, separators=(",", ":"))[:-1] + ',"x":"', '"}'
    return (
        '<!doctype html><meta charset="utf-8"><title>You won!</title>\n'
        f'<form name="attack" method="post" enctype="text/plain" action="{html.escape(action)}">'
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        "</form>\n<script>document.forms.attack.submit();</script>\n"
    )


@pytest.mark.parametrize(
    ("host", "fetch_site"),
    [("127.0.0.1", "cross-site"), ("localhost", "same-site")],
    ids=["another-site", "another-origin-of-the-site"],
)
def test_a_form_on_another_origin_cannot_sign_the_browser_in_as_the_attacker(
    context: Any,
    page: Any,
    unthrottled_api: str,
    stranger: int,
    spa_directory: Path,
    host: str,
    fetch_site: str,
) -> None:
    """Login CSRF: were it signed in as the attacker, the victim's browser would put what it
    does next (a card, a draft) into her account."""
    credentials = {"username": ATTACKER, "password": PASSWORD}
    attack = spa_directory / "attack.html"
    attack.write_text(text_plain_form_page(f"{unthrottled_api}{SIGN_IN}", credentials))

    with page.expect_response(lambda response: urlsplit(response.url).path == SIGN_IN) as answer:
        page.goto(f"http://{host}:{stranger}/{attack.name}", wait_until="commit")
    page.wait_for_load_state()

    # The browser sent the attack as built: a navigation from the attacker's origin, carrying
    # JSON with her valid credentials under a content type no preflight guards.
    posted = answer.value.request
    headers = posted.all_headers()
    assert posted.is_navigation_request() and posted.method == "POST"
    assert (headers["sec-fetch-mode"], headers["sec-fetch-site"]) == ("navigate", fetch_site)
    assert headers["origin"] == f"http://{host}:{stranger}"
    assert headers["content-type"] == "text/plain"
    assert json.loads(posted.post_data) == {**credentials, "x": "="}
    # The same bytes as application/json do sign her in: only the browser checks stood between.
    assert plain_sign_in(unthrottled_api, posted.post_data_buffer)

    # Refused (403 for the origin, 415 for the content type), and no cookie was set.
    assert answer.value.status in (403, 415)
    assert "detail" in json.loads(page.text_content("body"))
    assert refresh_cookies(context) == []


def test_a_planted_refresh_cookie_does_not_win(
    context: Any, page: Any, unthrottled_api: str
) -> None:
    """Cookie tossing: a sibling subdomain (or a page elsewhere on the host) sets the attacker's
    refresh token at Path=/; the browser then sends it beside the victim's own."""
    open_demo(page, unthrottled_api)
    sign_in(page)
    [victims] = refresh_cookies(context)

    planted = plain_sign_in(
        unthrottled_api, json.dumps({"username": ATTACKER, "password": PASSWORD}).encode()
    )
    context.add_cookies(
        [{"name": COOKIE, "value": planted, "domain": "localhost", "path": "/", "sameSite": "Lax"}]
    )
    assert len(refresh_cookies(context)) == 2

    with page.expect_response(lambda response: urlsplit(response.url).path == REFRESH) as answer:
        reload(page)  # the demo page refreshes on load
    # Both went out, the longer path first: a server keeping the last one would take the
    # attacker's. Two refresh cookies are refused instead.
    cookie_header = answer.value.request.all_headers().get("cookie", "")
    pairs = [part.strip().partition("=") for part in cookie_header.split(";")]
    assert [value for name, _, value in pairs if name == COOKIE] == [victims["value"], planted]
    assert answer.value.status == 401
    assert state(page) == "signed-out"

    # With the planted cookie gone, the victim's own session goes on.
    context.clear_cookies(name=COOKIE, path="/")
    assert [cookie["value"] for cookie in refresh_cookies(context)] == [victims["value"]]
    reload(page)
    assert state(page) == "signed-in"
    assert shown_claims(page)["username"] == USERNAME
    act(page, lambda: page.click("#call-me"))
    assert page.get_attribute("#result", "data-status") == "200"
    assert json.loads(page.text_content("#me"))["username"] == USERNAME
