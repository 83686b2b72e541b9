"""Baked projects at non-default paths, served by real servers and driven over HTTP.

Each router's flow runs once per database: a SQLite project (EdDSA) under uvicorn through
``config/asgi.py``, as the README's ASGI section says, and a PostgreSQL one (ES256) under
runserver. Tokens are verified as another service would: with the public key file, and through
the JWK Set URL. The session rules (rotation, retries, reuse, what revokes what) are proven by the
app's own tests in every baked project (``ninja_simple_jwt/tests/test_sessions.py``); here is what
only a served project shows: the paths the answers chose, the cookie as a browser receives it, the
JSON answers, each route reached through the project's own URLconf and database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    Client,
    Response,
    bake,
    bearer,
    create_users_command,
    from_new_address,
    project_env,
    refresh_cookie,
    run,
    runserver,
    start_server,
    stop,
    uvicorn,
)
from services import postgres  # noqa: F401  (a fixture)

PASSWORD, NEW_PASSWORD = "correct horse battery staple", "a brand new passphrase, 42 letters"
# One user per test that ends sessions: signing out everywhere must not reach another test's.
USERNAME, DEVICES_USER, PASSWORD_USER = "ada", "lin", "grace"
ACCESS_MINUTES, REFRESH_DAYS = 20, 9
API, MOBILE, WEB, ACCOUNT = "/v1", "/v1/app-auth", "/v1/session", "/v1/account"
SERVERS: dict[str, tuple[dict[str, str], Callable[[int], list[str]]]] = {
    "sqlite-uvicorn": ({"jwt_algorithm": "EdDSA"}, uvicorn),
    "postgresql-runserver": ({"jwt_algorithm": "ES256", "database": "postgresql"}, runserver),
}


class Site:
    """A served project: its folder, the algorithm its answers chose, and a client."""

    def __init__(self, project: Path, algorithm: str, port: int) -> None:
        self.project, self.algorithm, self.port = project, algorithm, port

    def device(self, name: str) -> Client:
        """A client of its own: a user agent, and an address with its own sign-in budget."""
        return Client(self.port, {"User-Agent": f"e2e {name}", **from_new_address()})

    def verify(self, token: str, token_type: str, username: str = USERNAME) -> dict[str, Any]:
        key = (self.project / "jwt-signing.pub").read_bytes()
        claims: dict[str, Any] = jwt.decode(
            token, key, [self.algorithm], options={"require": ["exp", "iat", "jti", "sid"]}
        )
        assert (claims["token_type"], claims["username"]) == (token_type, username)
        return claims


@pytest.fixture(scope="module", params=list(SERVERS))
def site(
    request: pytest.FixtureRequest, cookies_session: Any, project_python: str
) -> Iterator[Site]:
    answers, command = SERVERS[request.param]
    project = bake(
        cookies_session,
        **NON_DEFAULT_PATHS,
        access_token_lifetime_minutes=str(ACCESS_MINUTES),
        refresh_token_lifetime_days=str(REFRESH_DAYS),
        **answers,
    )
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_NUM_PROXIES="1")
    if answers.get("database") == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("postgres").create_database("end_to_end")
    else:
        env["DJANGO_DB_CONN_MAX_AGE"] = "0"  # as the README runs uvicorn
    manage = [project_python, "manage.py"]
    run([*manage, "migrate", "--verbosity", "0"], project, env=env)
    users = create_users_command(PASSWORD, USERNAME, DEVICES_USER, PASSWORD_USER)
    run([*manage, *users], project, env=env)
    process, port = start_server(project, project_python, env, command)
    try:
        yield Site(project, answers["jwt_algorithm"], port)
    finally:
        stop(process)


def sign_in(device: Client, router: str, username: str = USERNAME, password: str = PASSWORD) -> Any:
    status, headers, body = device.request(
        "POST", f"{router}/sign-in", {"username": username, "password": password}
    )
    assert status == 200, body
    return headers, body


def mobile_refresh(device: Client, refresh: str) -> Response:
    return device.request("POST", f"{MOBILE}/token-refresh", {"refresh": refresh})


def cookie_header(cookie: str | None) -> dict[str, str]:
    return {} if cookie is None else {"Cookie": f"refresh={cookie}"}


def web_refresh(device: Client, cookie: str | None) -> Response:
    return device.request("POST", f"{WEB}/token-refresh", headers=cookie_header(cookie))


def refused(answer: tuple[int, Any, Any]) -> bool:
    """A 401 with a JSON body that says why."""
    status, headers, body = answer
    is_json = headers["Content-Type"].startswith("application/json")
    return status == 401 and is_json and "detail" in body


def test_mobile_flow(site: Site) -> None:
    phone = site.device("phone")
    _, tokens = sign_in(phone, MOBILE)
    assert set(tokens) == {"access", "refresh"}
    access = site.verify(tokens["access"], "access")
    refresh = site.verify(tokens["refresh"], "refresh")
    assert access["exp"] - access["iat"] == ACCESS_MINUTES * 60
    assert refresh["exp"] - refresh["iat"] == REFRESH_DAYS * 86400

    status, _, refreshed = mobile_refresh(phone, tokens["refresh"])
    assert status == 200, refreshed
    assert set(refreshed) == {"access", "refresh"}  # rotation is on by default
    claims = site.verify(refreshed["access"], "access")
    assert site.verify(refreshed["refresh"], "refresh")["sid"] == refresh["sid"]
    status, _, me = phone.request("GET", f"{API}/me", headers=bearer(refreshed["access"]))
    assert (status, me["user_id"], me["username"]) == (200, claims["user_id"], USERNAME)
    status, _, caller = phone.request("GET", f"{API}/me/async", headers=bearer(refreshed["access"]))
    assert (status, caller) == (200, {"id": claims["user_id"], "username": USERNAME})

    assert refused(mobile_refresh(phone, tokens["access"]))
    assert phone.request("POST", f"{MOBILE}/sign-out", {"refresh": refreshed["refresh"]})[0] == 204
    assert refused(mobile_refresh(phone, refreshed["refresh"]))
    # Access tokens stay stateless: valid until they expire.
    assert phone.request("GET", f"{API}/me", headers=bearer(refreshed["access"]))[0] == 200


def assert_served_cookie(headers: Any, site: Site) -> str:
    """The refresh cookie as it is served, at sign-in and at each rotation; its value."""
    cookie = refresh_cookie(headers)
    assert (cookie["path"], cookie["httponly"], cookie["samesite"]) == (WEB, True, "Strict")
    assert cookie["secure"] == ""  # local settings, over plain http
    claims = site.verify(cookie.value, "refresh")
    assert int(cookie["max-age"]) == claims["exp"] - claims["iat"]
    # Expires is Django's own later reading of the clock plus Max-Age: the token's exp, or a
    # second or more past it if the answer took that long (tolerated: up to 5 seconds).
    expires = parsedate_to_datetime(cookie["expires"]).timestamp()
    assert 0 <= expires - claims["exp"] <= 5
    return cookie.value


def test_web_flow_with_the_cookie_as_served(site: Site) -> None:
    browser = site.device("browser")
    headers, body = sign_in(browser, WEB)
    assert set(body) == {"access"}
    site.verify(body["access"], "access")
    cookie = assert_served_cookie(headers, site)

    status, headers, refreshed = web_refresh(browser, cookie)
    assert status == 200, refreshed
    assert set(refreshed) == {"access"}
    site.verify(refreshed["access"], "access")
    cookie = assert_served_cookie(headers, site)  # rotated
    assert browser.request("GET", f"{API}/me", headers=bearer(refreshed["access"])).status == 200
    assert refused(web_refresh(browser, None))

    status, headers, _ = browser.request("POST", f"{WEB}/sign-out", headers=cookie_header(cookie))
    assert status == 204
    deleted = refresh_cookie(headers)
    assert (deleted.value, deleted["path"], deleted["max-age"]) == ("", WEB, "0")
    assert refused(web_refresh(browser, cookie))
    answer = browser.request("POST", f"{WEB}/sign-out")
    assert refused(answer)
    assert answer.headers.get_all("Set-Cookie") is None


def test_another_service_verifies_tokens_through_the_jwk_set_url(site: Site) -> None:
    _, tokens = sign_in(site.device("service"), MOBILE)
    jwks = jwt.PyJWKClient(f"http://127.0.0.1:{site.port}/.well-known/jwks.json", cache_keys=False)
    signing_key = jwks.get_signing_key_from_jwt(tokens["access"])
    assert jwt.get_unverified_header(tokens["access"])["kid"] == signing_key.key_id
    claims = jwt.decode(tokens["access"], signing_key.key, [site.algorithm])
    assert claims == site.verify(tokens["access"], "access")


def test_bad_credentials_are_a_json_401(site: Site) -> None:
    client = site.device("stranger")
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic eDp5"}):
        assert refused(client.request("GET", f"{API}/me", headers=headers))
        assert refused(client.request("GET", f"{API}/me/async", headers=headers))
    for router in (MOBILE, WEB):
        wrong = {"username": USERNAME, "password": "nope"}
        assert refused(client.request("POST", f"{router}/sign-in", wrong))


def session_id(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sid"])


def test_account_lists_revokes_and_signs_out_everywhere(site: Site) -> None:
    phone, browser, laptop = (site.device(name) for name in ("phone", "browser", "laptop"))
    _, phone_tokens = sign_in(phone, MOBILE, DEVICES_USER)
    browser_cookie = refresh_cookie(sign_in(browser, WEB, DEVICES_USER)[0]).value
    _, laptop_tokens = sign_in(laptop, MOBILE, DEVICES_USER)
    as_phone = bearer(phone_tokens["access"])

    status, _, sessions = phone.request("GET", f"{ACCOUNT}/sessions", headers=as_phone)
    assert status == 200, sessions
    expected = [
        (laptop, laptop_tokens["refresh"]),
        (browser, browser_cookie),
        (phone, phone_tokens["refresh"]),
    ]
    assert [(s["id"], s["user_agent"], s["ip_address"]) for s in sessions] == [
        (session_id(token), device.headers["User-Agent"], device.headers["X-Forwarded-For"])
        for device, token in expected
    ]  # newest first
    assert [s["current"] for s in sessions] == [False, False, True]
    assert set(sessions[0]) == {
        *("id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current")
    }

    browser_session = f"{ACCOUNT}/sessions/{session_id(browser_cookie)}"
    assert phone.request("DELETE", browser_session, headers=as_phone).status == 204
    assert refused(web_refresh(browser, browser_cookie))
    # Unknown or someone else's: one and the same 404, so ids cannot be probed.
    _, someone_else = sign_in(site.device("someone else"), MOBILE)
    unknown, theirs = (
        phone.request("DELETE", f"{ACCOUNT}/sessions/{sid}", headers=as_phone)
        for sid in ("no-such-session", session_id(someone_else["refresh"]))
    )
    assert (unknown.status, theirs.status) == (404, 404)
    assert unknown.body == theirs.body and "detail" in unknown.body

    assert phone.request("DELETE", f"{ACCOUNT}/sessions", headers=as_phone).status == 204
    for device, tokens in ((phone, phone_tokens), (laptop, laptop_tokens)):
        assert refused(mobile_refresh(device, tokens["refresh"]))
    # The access token still verifies, but its session can no longer manage the account.
    assert refused(phone.request("GET", f"{ACCOUNT}/sessions", headers=as_phone))


def change_password(device: Client, access: str, current: str, new: str) -> tuple[int, Any]:
    body = {"current_password": current, "new_password": new}
    return device.request("POST", f"{ACCOUNT}/password", body, bearer(access))[::2]


def test_account_password_change(site: Site) -> None:
    phone, browser = site.device("phone"), site.device("browser")
    _, tokens = sign_in(phone, MOBILE, PASSWORD_USER)
    cookie = refresh_cookie(sign_in(browser, WEB, PASSWORD_USER)[0]).value

    status, body = change_password(phone, tokens["access"], "not my password", NEW_PASSWORD)
    assert status == 400 and "detail" in body
    status, body = change_password(phone, tokens["access"], PASSWORD, "12345678")
    assert status == 422 and "detail" in body
    status, body = change_password(phone, tokens["access"], PASSWORD, NEW_PASSWORD)
    assert status == 204, body

    # The other sessions end; the one that changed it goes on.
    assert refused(web_refresh(browser, cookie))
    assert mobile_refresh(phone, tokens["refresh"]).status == 200
    laptop = site.device("laptop")
    wrong = {"username": PASSWORD_USER, "password": PASSWORD}
    assert refused(laptop.request("POST", f"{MOBILE}/sign-in", wrong))
    _, tokens = sign_in(laptop, MOBILE, PASSWORD_USER, NEW_PASSWORD)
    site.verify(tokens["access"], "access", username=PASSWORD_USER)
