"""Baked projects at non-default paths, served by real server processes, driven over HTTP.

The requests are the library README's curl examples, at the paths the answers chose; tokens
are verified as another service would: with the public key file, and through the JWK Set URL.
Refresh tokens are handles of server-side sessions: rotation, retries and reuse, sign-out and the
account routes (devices, sign out everywhere, password change) are driven over HTTP too, and a
project baked with ``refresh_token_rotation=no`` answers the library's shape. One more project is
served by uvicorn through ``config/asgi.py``, as the README's ASGI section says, and answers the
same flows and its ``async def`` operation there.
"""

from __future__ import annotations

import http.client
import ipaddress
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, ClassVar

import jwt
import pytest
from conftest import NON_DEFAULT_PATHS, bake, project_env, run, runserver, start_server, stop
from services import postgres  # noqa: F401  (a fixture)

USERNAME, PASSWORD = "ada", "correct horse battery staple"
# Users of their own for the account routes: signing out everywhere and changing the password
# must not reach the sessions of the other tests.
DEVICES_USER, PASSWORD_USER = "lin", "grace"
NEW_PASSWORD = "a brand new passphrase, 42 letters or so"
ACCESS_MINUTES, REFRESH_DAYS = 20, 9
LIFETIMES = {
    "access_token_lifetime_minutes": str(ACCESS_MINUTES),
    "refresh_token_lifetime_days": str(REFRESH_DAYS),
}
MOBILE, WEB, ACCOUNT = "/v1/app-auth", "/v1/session", "/v1/account"
# One served project per algorithm; one of them on a real PostgreSQL server.
VARIANTS = {
    "RS256": {"jwt_algorithm": "RS256"},
    "ES256-postgresql": {"jwt_algorithm": "ES256", "database": "postgresql"},
    "EdDSA": {"jwt_algorithm": "EdDSA"},
}


# Client addresses of the devices that the tests sign in (IPv6 documentation prefix).
_DEVICE_ADDRESSES = (str(ipaddress.ip_address(f"2001:db8::{n:x}")) for n in itertools.count(1))


class Client:
    """Just enough HTTP: JSON in, status, headers and JSON out."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.headers = headers or {}

    def device(self, name: str) -> Client:
        """A client of its own, as a signed-in device: its own user agent and address.

        The servers trust one proxy's X-Forwarded-For (DJANGO_NUM_PROXIES=1), so each device
        has its own sign-in throttle budget, and the account's session list shows its address.
        """
        address = next(_DEVICE_ADDRESSES)
        return Client(self.port, {"User-Agent": f"e2e {name}", "X-Forwarded-For": address})

    @property
    def user_agent(self) -> str:
        return self.headers["User-Agent"]

    @property
    def address(self) -> str:
        return self.headers["X-Forwarded-For"]

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        payload = None if body is None else json.dumps(body)
        all_headers = {"Content-Type": "application/json"} if body is not None else {}
        all_headers.update(self.headers)
        all_headers.update(headers or {})
        try:
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        content_type = response.headers.get("Content-Type", "")
        data = json.loads(raw) if raw and content_type.startswith("application/json") else raw
        return response.status, response.headers, data


class Site:
    """A baked, migrated project with one user, and the command line to manage it."""

    def __init__(self, project: Path, python: str, algorithm: str, **env: str) -> None:
        self.project, self.python, self.algorithm = project, python, algorithm
        self.env = project_env(DJANGO_SETTINGS_MODULE="config.settings.local", **env)

    def manage(self, *arguments: str) -> str:
        return run([self.python, "manage.py", *arguments], self.project, env=self.env).stdout

    def serve(self, command: Callable[[int], list[str]] = runserver) -> tuple[Any, Client]:
        process, port = start_server(self.project, self.python, self.env, command)
        return process, Client(port)

    def public_key(self) -> bytes:
        return (self.project / "jwt-signing.pub").read_bytes()


def make_site(cookies: Any, python: str, env: dict[str, str] | None = None, **answers: Any) -> Site:
    project = bake(cookies, **answers)
    site = Site(project, python, answers.get("jwt_algorithm", "RS256"), **(env or {}))
    site.manage("migrate", "--verbosity", "0")
    # Every user in one command: one Django start-up.
    users = (USERNAME, DEVICES_USER, PASSWORD_USER)
    site.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        f"for username in {users!r}:\n"
        f"    get_user_model().objects.create_user(username=username, password={PASSWORD!r})",
    )
    return site


@pytest.fixture(scope="module", params=list(VARIANTS))
def server(
    request: pytest.FixtureRequest, cookies_session: Any, project_python: str
) -> Iterator[Any]:
    answers = VARIANTS[request.param]
    env = {"DJANGO_NUM_PROXIES": "1"}  # see Client.device
    if answers.get("database") == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("postgres").create_database("end_to_end")
    site = make_site(
        cookies_session,
        project_python,
        env,
        **NON_DEFAULT_PATHS,
        **LIFETIMES,
        **answers,
    )
    process, client = site.serve()
    try:
        yield client, site
    finally:
        stop(process)


@pytest.fixture(scope="module")
def server_without_rotation(cookies_session: Any, project_python: str) -> Iterator[Any]:
    """A project baked with refresh_token_rotation=no: the library's refresh behaviour."""
    site = make_site(
        cookies_session,
        project_python,
        {"DJANGO_NUM_PROXIES": "1"},
        **NON_DEFAULT_PATHS,
        **LIFETIMES,
        refresh_token_rotation=False,
    )
    process, client = site.serve()
    try:
        yield client, site
    finally:
        stop(process)


def verify(
    token: str, site: Site, token_type: str, key: Any = None, username: str = USERNAME
) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        key if key is not None else site.public_key(),
        algorithms=[site.algorithm],
        options={"require": ["exp", "iat", "jti", "sid"]},
    )
    assert claims["token_type"] == token_type
    assert claims["username"] == username
    return claims


def credentials(username: str = USERNAME, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_and_docs_are_open(server: Any) -> None:
    client, _ = server
    assert client.request("GET", "/v1/health")[::2] == (200, {"status": "ok"})
    status, _, _ = client.request("GET", "/v1/docs")
    assert status == 200
    status, _, schema = client.request("GET", "/v1/openapi.json")
    assert status == 200
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    assert "/v1/me" in schema["paths"]


def test_mobile_flow(server: Any) -> None:
    client, site = server
    status, _, body = client.request("POST", "/v1/app-auth/sign-in", credentials())
    assert status == 200
    assert set(body) == {"refresh", "access"}
    access = verify(body["access"], site, "access")
    refresh = verify(body["refresh"], site, "refresh")
    assert access["exp"] - access["iat"] == ACCESS_MINUTES * 60
    assert refresh["exp"] - refresh["iat"] == REFRESH_DAYS * 86400

    status, _, refreshed = client.request(
        "POST", "/v1/app-auth/token-refresh", {"refresh": body["refresh"]}
    )
    assert status == 200
    assert set(refreshed) == {"access", "refresh"}  # rotation is on by default
    new_access = verify(refreshed["access"], site, "access")
    assert new_access["jti"] != access["jti"]

    status, _, me = client.request("GET", "/v1/me", headers=bearer(refreshed["access"]))
    assert status == 200
    assert me["username"] == USERNAME
    assert me["user_id"] == new_access["user_id"]

    status, _, error = client.request(
        "POST", "/v1/app-auth/token-refresh", {"refresh": body["access"]}
    )
    assert status == 401
    assert "detail" in error


def test_another_service_verifies_tokens_from_the_jwk_set_url(server: Any) -> None:
    client, site = server
    _, _, body = client.request("POST", "/v1/app-auth/sign-in", credentials())
    jwks_client = jwt.PyJWKClient(f"{client.base_url}/.well-known/jwks.json", cache_keys=False)
    signing_key = jwks_client.get_signing_key_from_jwt(body["access"])
    verify(body["access"], site, "access", key=signing_key.key)
    assert jwt.get_unverified_header(body["access"])["kid"] == signing_key.key_id


def test_protected_route_refuses_without_a_valid_token(server: Any) -> None:
    client, _ = server
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic eDp5"}):
        status, response_headers, body = client.request("GET", "/v1/me", headers=headers)
        assert status == 401
        assert response_headers["Content-Type"].startswith("application/json")
        assert "detail" in body


def test_wrong_password_is_401_json(server: Any) -> None:
    client, _ = server
    for path in ("/v1/app-auth/sign-in", "/v1/session/sign-in"):
        status, _, body = client.request("POST", path, {"username": USERNAME, "password": "nope"})
        assert status == 401
        assert "detail" in body


def parse_refresh_cookie(headers: http.client.HTTPMessage) -> tuple[str, Any]:
    set_cookies = headers.get_all("Set-Cookie") or []
    assert len(set_cookies) == 1, set_cookies
    cookie = SimpleCookie()
    cookie.load(set_cookies[0])
    assert list(cookie) == ["refresh"]
    return set_cookies[0], cookie["refresh"]


def test_web_flow_and_cookie_attributes(server: Any) -> None:
    client, site = server
    signed_in_at = time.time()
    status, headers, body = client.request("POST", "/v1/session/sign-in", credentials())
    assert status == 200
    assert set(body) == {"access"}
    verify(body["access"], site, "access")

    raw, morsel = parse_refresh_cookie(headers)
    refresh = verify(morsel.value, site, "refresh")
    attributes = {part.strip().split("=")[0].lower() for part in raw.split(";")[1:]}
    assert {"httponly", "samesite", "path", "expires", "max-age"} <= attributes
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/v1/session"
    lifetime = REFRESH_DAYS * 86400
    assert abs(int(morsel["max-age"]) - lifetime) <= 2
    expires = parsedate_to_datetime(morsel["expires"]).timestamp()
    assert abs(expires - (signed_in_at + lifetime)) <= 3
    assert abs(expires - refresh["exp"]) <= 2
    assert morsel["secure"] == ""  # local settings run with DEBUG on, over plain http

    cookie_header = {"Cookie": f"refresh={morsel.value}"}
    status, headers, refreshed = client.request(
        "POST", "/v1/session/token-refresh", headers=cookie_header
    )
    assert status == 200
    assert set(refreshed) == {"access"}
    verify(refreshed["access"], site, "access")
    _, rotated = parse_refresh_cookie(headers)  # rotation is on by default
    cookie_header = {"Cookie": f"refresh={rotated.value}"}

    status, _, _ = client.request("POST", "/v1/session/token-refresh")
    assert status == 401

    status, headers, _ = client.request("POST", "/v1/session/sign-out", headers=cookie_header)
    assert status == 204
    _, deleted = parse_refresh_cookie(headers)
    assert deleted.value == ""
    assert deleted["path"] == "/v1/session"
    assert int(deleted["max-age"]) == 0

    status, headers, _ = client.request("POST", "/v1/session/sign-out")
    assert status == 401
    assert headers.get_all("Set-Cookie") is None


# Sessions. The mobile and the web router are two transports of one refresh token: in a JSON
# body, or in the HttpOnly cookie. The tests of rotation and sign-out run over both.


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str  # the body field (mobile) or the cookie's value (web)


@dataclass(frozen=True)
class Refreshed:
    status: int
    fields: set[str]  # of the JSON body
    access: str | None
    refresh: str | None  # the refresh token answered, if any: a body field or a new cookie


def assert_refresh_cookie(morsel: Any) -> None:
    """The refresh cookie's attributes, the same at sign-in and at every rotation."""
    assert morsel["path"] == WEB
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert abs(int(morsel["max-age"]) - REFRESH_DAYS * 86400) <= 3


class Mobile:
    """The mobile router: both tokens in JSON bodies."""

    rotated_fields: ClassVar = frozenset({"access", "refresh"})

    def sign_in(self, device: Client, username: str = USERNAME) -> Tokens:
        status, _, body = device.request("POST", f"{MOBILE}/sign-in", credentials(username))
        assert status == 200, body
        assert set(body) == {"refresh", "access"}
        return Tokens(access=body["access"], refresh=body["refresh"])

    def refresh(self, device: Client, refresh: str) -> Refreshed:
        status, _, body = device.request("POST", f"{MOBILE}/token-refresh", {"refresh": refresh})
        if status != 200:
            assert "detail" in body
            return Refreshed(status, set(body), None, None)
        return Refreshed(status, set(body), body["access"], body.get("refresh"))

    def sign_out(self, device: Client, refresh: str) -> int:
        status, _, _ = device.request("POST", f"{MOBILE}/sign-out", {"refresh": refresh})
        return status


class Web:
    """The web router: the access token in the body, the refresh token in the cookie."""

    rotated_fields: ClassVar = frozenset({"access"})  # the new refresh token: a new cookie

    def sign_in(self, device: Client, username: str = USERNAME) -> Tokens:
        status, headers, body = device.request("POST", f"{WEB}/sign-in", credentials(username))
        assert status == 200, body
        assert set(body) == {"access"}
        _, morsel = parse_refresh_cookie(headers)
        assert_refresh_cookie(morsel)
        return Tokens(access=body["access"], refresh=morsel.value)

    def refresh(self, device: Client, refresh: str) -> Refreshed:
        status, headers, body = device.request(
            "POST", f"{WEB}/token-refresh", headers={"Cookie": f"refresh={refresh}"}
        )
        if status != 200:
            assert "detail" in body
            return Refreshed(status, set(body), None, None)
        new_refresh = None
        if headers.get_all("Set-Cookie"):
            _, morsel = parse_refresh_cookie(headers)
            assert_refresh_cookie(morsel)
            new_refresh = morsel.value
        return Refreshed(status, set(body), body["access"], new_refresh)

    def sign_out(self, device: Client, refresh: str) -> int:
        status, _, _ = device.request(
            "POST", f"{WEB}/sign-out", headers={"Cookie": f"refresh={refresh}"}
        )
        return status


# Sessions are database rows and do not depend on the signing algorithm: these tests run on one
# SQLite and on the PostgreSQL variant, with the same servers as the rest (module scope).
on_each_database = pytest.mark.parametrize(
    "server", ["RS256", "ES256-postgresql"], indirect=True, scope="module"
)


@pytest.fixture(params=[Mobile, Web], ids=["mobile", "web"])
def transport(request: pytest.FixtureRequest) -> Mobile | Web:
    return request.param()


def jti(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


def session_id(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sid"])


@on_each_database
def test_each_refresh_answers_a_new_refresh_token(server: Any, transport: Mobile | Web) -> None:
    client, site = server
    device = client.device("rotation")
    signed_in = transport.sign_in(device)
    first = verify(signed_in.refresh, site, "refresh")

    seen = [signed_in.refresh]
    for _ in range(2):
        refreshed = transport.refresh(device, seen[-1])
        assert refreshed.status == 200
        assert refreshed.fields == transport.rotated_fields
        assert refreshed.access is not None and refreshed.refresh is not None
        verify(refreshed.access, site, "access")
        claims = verify(refreshed.refresh, site, "refresh")
        assert claims["sid"] == first["sid"]  # the same session, a new handle
        assert jti(refreshed.refresh) not in {jti(token) for token in seen}
        seen.append(refreshed.refresh)


@on_each_database
def test_a_retry_within_the_grace_gets_the_current_refresh_token(
    server: Any, transport: Mobile | Web
) -> None:
    client, _ = server
    device = client.device("retry")
    signed_in = transport.sign_in(device)
    rotated = transport.refresh(device, signed_in.refresh)
    assert rotated.status == 200 and rotated.refresh is not None

    # The response was lost, say: the replaced token comes back at once.
    retry = transport.refresh(device, signed_in.refresh)
    assert retry.status == 200
    assert retry.refresh is not None
    assert jti(retry.refresh) == jti(rotated.refresh)
    # Not reuse: the session goes on.
    assert transport.refresh(device, rotated.refresh).status == 200


@on_each_database
def test_a_token_two_rotations_old_is_reuse_and_revokes_the_session(
    server: Any, transport: Mobile | Web
) -> None:
    client, _ = server
    device = client.device("reuse")
    oldest = transport.sign_in(device).refresh
    previous = transport.refresh(device, oldest).refresh
    assert previous is not None
    newest = transport.refresh(device, previous).refresh
    assert newest is not None

    # Replaced twice: no retry, even within the grace.
    assert transport.refresh(device, oldest).status == 401
    assert transport.refresh(device, newest).status == 401  # the whole session ended


@on_each_database
def test_sign_out_revokes_the_session(server: Any, transport: Mobile | Web) -> None:
    client, _ = server
    device = client.device("sign-out")
    refresh = transport.refresh(device, transport.sign_in(device).refresh).refresh
    assert refresh is not None

    assert transport.sign_out(device, refresh) == 204
    assert transport.refresh(device, refresh).status == 401


@on_each_database
def test_an_access_token_outlives_its_revoked_session(server: Any) -> None:
    client, _ = server
    device = client.device("stateless")
    tokens = Mobile().sign_in(device)
    assert Mobile().sign_out(device, tokens.refresh) == 204
    # Access tokens stay stateless: valid until they expire.
    status, _, me = device.request("GET", "/v1/me", headers=bearer(tokens.access))
    assert status == 200
    assert me["username"] == USERNAME


# The account routes, with an access token of the session that calls them.


def list_sessions(device: Client, access: str) -> list[dict[str, Any]]:
    status, _, sessions = device.request("GET", f"{ACCOUNT}/sessions", headers=bearer(access))
    assert status == 200, sessions
    return list(sessions)


def sign_in_two_devices(client: Client, username: str) -> tuple[Client, Tokens, Client, Tokens]:
    phone, browser = client.device("phone"), client.device("browser")
    return phone, Mobile().sign_in(phone, username), browser, Web().sign_in(browser, username)


@on_each_database
def test_account_lists_the_devices_newest_first(server: Any) -> None:
    client, _ = server
    phone, phone_tokens, browser, browser_tokens = sign_in_two_devices(client, DEVICES_USER)

    sessions = list_sessions(phone, phone_tokens.access)
    assert all(
        set(session)
        == {"id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current"}
        for session in sessions
    )
    newest, second = sessions[:2]  # the user's other live sessions, if any, are older
    assert newest["id"] == session_id(browser_tokens.refresh)
    assert (newest["user_agent"], newest["ip_address"]) == (browser.user_agent, browser.address)
    assert second["id"] == session_id(phone_tokens.refresh)
    assert (second["user_agent"], second["ip_address"]) == (phone.user_agent, phone.address)
    assert [session["current"] for session in sessions] == [False, True] + [False] * (
        len(sessions) - 2
    )
    created = [session["created_at"] for session in sessions]
    assert created == sorted(created, reverse=True)

    # The same list, from the browser: now the browser's session is the current one.
    from_browser = list_sessions(browser, browser_tokens.access)
    assert [s["id"] for s in from_browser] == [s["id"] for s in sessions]
    assert from_browser[0]["current"] is True
    assert from_browser[1]["current"] is False


@on_each_database
def test_revoking_a_device_stops_its_refresh(server: Any) -> None:
    client, _ = server
    phone, phone_tokens, browser, browser_tokens = sign_in_two_devices(client, DEVICES_USER)
    browser_session = session_id(browser_tokens.refresh)

    status, _, _ = phone.request(
        "DELETE", f"{ACCOUNT}/sessions/{browser_session}", headers=bearer(phone_tokens.access)
    )
    assert status == 204
    assert Web().refresh(browser, browser_tokens.refresh).status == 401
    assert Mobile().refresh(phone, phone_tokens.refresh).status == 200
    sessions = list_sessions(phone, phone_tokens.access)
    assert browser_session not in {session["id"] for session in sessions}


@on_each_database
def test_revoking_an_unknown_or_another_users_session_is_404(server: Any) -> None:
    client, _ = server
    phone = client.device("phone")
    tokens = Mobile().sign_in(phone, DEVICES_USER)
    someone_else = client.device("someone else's phone")
    theirs = Mobile().sign_in(someone_else, USERNAME)

    answers = [
        phone.request("DELETE", f"{ACCOUNT}/sessions/{sid}", headers=bearer(tokens.access))
        for sid in ("no-such-session", session_id(theirs.refresh))
    ]
    assert [status for status, _, _ in answers] == [404, 404]
    assert answers[0][2] == answers[1][2]  # ids cannot be probed
    assert "detail" in answers[0][2]
    assert Mobile().refresh(someone_else, theirs.refresh).status == 200


@on_each_database
def test_signing_out_everywhere_revokes_every_session(server: Any) -> None:
    client, _ = server
    phone, phone_tokens, browser, browser_tokens = sign_in_two_devices(client, DEVICES_USER)

    status, _, _ = phone.request(
        "DELETE", f"{ACCOUNT}/sessions", headers=bearer(phone_tokens.access)
    )
    assert status == 204
    assert Mobile().refresh(phone, phone_tokens.refresh).status == 401
    assert Web().refresh(browser, browser_tokens.refresh).status == 401
    # The access token still verifies, but its session can no longer manage the account.
    status, _, _ = phone.request("GET", f"{ACCOUNT}/sessions", headers=bearer(phone_tokens.access))
    assert status == 401


def change_password(device: Client, access: str, current: str, new: str) -> tuple[int, Any]:
    status, _, body = device.request(
        "POST",
        f"{ACCOUNT}/password",
        {"current_password": current, "new_password": new},
        headers=bearer(access),
    )
    return status, body


@on_each_database
def test_password_change_revokes_the_other_sessions(server: Any) -> None:
    client, site = server
    phone, phone_tokens, browser, browser_tokens = sign_in_two_devices(client, PASSWORD_USER)

    status, body = change_password(phone, phone_tokens.access, PASSWORD, NEW_PASSWORD)
    assert status == 204, body
    assert Web().refresh(browser, browser_tokens.refresh).status == 401
    # The session that changed it keeps refreshing (and rotating).
    refresh = phone_tokens.refresh
    for _ in range(2):
        refreshed = Mobile().refresh(phone, refresh)
        assert refreshed.status == 200 and refreshed.refresh is not None
        refresh = refreshed.refresh

    laptop = client.device("laptop")
    status, _, _ = laptop.request("POST", f"{MOBILE}/sign-in", credentials(PASSWORD_USER))
    assert status == 401
    status, _, body = laptop.request(
        "POST", f"{MOBILE}/sign-in", credentials(PASSWORD_USER, NEW_PASSWORD)
    )
    assert status == 200
    verify(body["access"], site, "access", username=PASSWORD_USER)


@on_each_database
def test_password_change_refuses_a_wrong_password_and_a_weak_one(server: Any) -> None:
    client, _ = server
    phone = client.device("phone")
    tokens = Mobile().sign_in(phone, DEVICES_USER)

    status, body = change_password(phone, tokens.access, "not my password", NEW_PASSWORD)
    assert status == 400 and "detail" in body
    status, body = change_password(phone, tokens.access, PASSWORD, "12345678")
    assert status == 422 and "detail" in body
    # Nothing changed: the old password still signs in.
    Mobile().sign_in(client.device("laptop"), DEVICES_USER)


def test_without_rotation_refresh_answers_the_library_shape(
    server_without_rotation: Any, transport: Mobile | Web
) -> None:
    client, site = server_without_rotation
    device = client.device("no rotation")
    signed_in = transport.sign_in(device)

    for _ in range(2):  # the same refresh token, again and again
        refreshed = transport.refresh(device, signed_in.refresh)
        assert refreshed.status == 200
        assert refreshed.fields == {"access"}
        assert refreshed.refresh is None  # no refresh field, no new cookie
        assert refreshed.access is not None
        verify(refreshed.access, site, "access")


def sign_in(client: Client) -> dict[str, str]:
    status, _, body = client.request("POST", "/api/auth/mobile/sign-in", credentials())
    assert status == 200, body
    return dict(body)


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_rotation_keeps_old_tokens_and_reaches_running_processes(
    cookies_session: Any, project_python: str
) -> None:
    site = make_site(cookies_session, project_python)
    first, first_client = site.serve()
    second, second_client = site.serve()  # keeps running through the rotation
    try:
        before = sign_in(first_client)
        assert second_client.request("GET", "/api/me", headers=bearer(before["access"]))[0] == 200

        site.manage("make_rsa", "--rotate")
        stop(first)
        first, first_client = site.serve()  # restarted after the rotation

        after = sign_in(first_client)
        assert kid_of(after["access"]) != kid_of(before["access"])
        for client in (first_client, second_client):
            for tokens in (before, after):
                status, _, _ = client.request("GET", "/api/me", headers=bearer(tokens["access"]))
                assert status == 200
            # At the second process, a retry of the refresh token the first one just rotated.
            status, _, _ = client.request(
                "POST", "/api/auth/mobile/token-refresh", {"refresh": before["refresh"]}
            )
            assert status == 200

        status, _, jwk_set = first_client.request("GET", "/.well-known/jwks.json")
        assert status == 200
        kids = {key["kid"] for key in jwk_set["keys"]}
        assert kids == {kid_of(before["access"]), kid_of(after["access"])}
    finally:
        stop(first)
        stop(second)


# The same project under an ASGI server: uvicorn and config/asgi.py, as the README says.


def uvicorn(port: int) -> list[str]:
    """uvicorn serving config/asgi.py on 127.0.0.1:``port`` (the arguments after python)."""
    return ["-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture(scope="module")
def asgi_server(cookies_session: Any, project_python: str) -> Iterator[tuple[Client, Site]]:
    site = make_site(
        cookies_session,
        project_python,
        {"DJANGO_NUM_PROXIES": "1", "DJANGO_DB_CONN_MAX_AGE": "0"},
        **NON_DEFAULT_PATHS,
        **LIFETIMES,
    )
    process, client = site.serve(uvicorn)
    try:
        yield client, site
    finally:
        stop(process)


def test_asgi_mobile_flow_and_both_me_operations(asgi_server: tuple[Client, Site]) -> None:
    client, site = asgi_server
    device = client.device("asgi phone")
    tokens = Mobile().sign_in(device)
    verify(tokens.access, site, "access")
    refreshed = Mobile().refresh(device, tokens.refresh)
    assert refreshed.status == 200
    assert refreshed.fields == Mobile.rotated_fields
    assert refreshed.access is not None and refreshed.refresh is not None
    claims = verify(refreshed.access, site, "access")

    status, _, me = device.request("GET", "/v1/me", headers=bearer(refreshed.access))
    assert status == 200
    assert (me["user_id"], me["username"]) == (claims["user_id"], USERNAME)
    status, _, caller = device.request("GET", "/v1/me/async", headers=bearer(refreshed.access))
    assert status == 200
    assert caller == {"id": claims["user_id"], "username": USERNAME}
    for path in ("/v1/me", "/v1/me/async"):
        status, headers, body = device.request("GET", path)
        assert status == 401
        assert headers["Content-Type"].startswith("application/json")
        assert "detail" in body
    assert Mobile().sign_out(device, refreshed.refresh) == 204


def test_asgi_web_flow_with_its_cookie(asgi_server: tuple[Client, Site]) -> None:
    client, site = asgi_server
    browser = client.device("asgi browser")
    tokens = Web().sign_in(browser)  # checks the cookie's attributes
    refreshed = Web().refresh(browser, tokens.refresh)
    assert refreshed.status == 200
    assert refreshed.access is not None and refreshed.refresh is not None  # a new cookie
    status, _, caller = browser.request("GET", "/v1/me/async", headers=bearer(refreshed.access))
    assert status == 200
    assert caller["username"] == verify(refreshed.access, site, "access")["username"]

    assert Web().sign_out(browser, refreshed.refresh) == 204
    assert Web().refresh(browser, refreshed.refresh).status == 401


def test_asgi_account_lists_the_devices(asgi_server: tuple[Client, Site]) -> None:
    client, _ = asgi_server
    phone, phone_tokens, browser, browser_tokens = sign_in_two_devices(client, DEVICES_USER)
    sessions = list_sessions(phone, phone_tokens.access)
    # Only this test signs in as this user on this server.
    assert [session["id"] for session in sessions] == [
        session_id(browser_tokens.refresh),
        session_id(phone_tokens.refresh),
    ]
    assert [session["current"] for session in sessions] == [False, True]
    assert [(session["user_agent"], session["ip_address"]) for session in sessions] == [
        (browser.user_agent, browser.address),
        (phone.user_agent, phone.address),
    ]
