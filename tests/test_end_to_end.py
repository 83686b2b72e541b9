"""Baked projects at non-default paths, served by real server processes, driven over HTTP.

The requests are the library README's curl examples, at the paths the answers chose; tokens
are verified as another service would: with the public key file, and through the JWK Set URL.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    bake,
    create_user_command,
    project_env,
    run,
    start_server,
    stop,
)
from services import postgres  # noqa: F401  (a fixture)

USERNAME, PASSWORD = "ada", "correct horse battery staple"
ACCESS_MINUTES, REFRESH_DAYS = 20, 9
# One served project per algorithm; one of them on a real PostgreSQL server.
VARIANTS = {
    "RS256": {"jwt_algorithm": "RS256"},
    "ES256-postgresql": {"jwt_algorithm": "ES256", "database": "postgresql"},
    "EdDSA": {"jwt_algorithm": "EdDSA"},
}


class Client:
    """Just enough HTTP: JSON in, status, headers and JSON out."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        payload = None if body is None else json.dumps(body)
        all_headers = {"Content-Type": "application/json"} if body is not None else {}
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

    def serve(self) -> tuple[Any, Client]:
        process, port = start_server(self.project, self.python, self.env)
        return process, Client(port)

    def public_key(self) -> bytes:
        return (self.project / "jwt-signing.pub").read_bytes()


def make_site(cookies: Any, python: str, env: dict[str, str] | None = None, **answers: Any) -> Site:
    project = bake(cookies, **answers)
    site = Site(project, python, answers.get("jwt_algorithm", "RS256"), **(env or {}))
    site.manage("migrate", "--verbosity", "0")
    site.manage(*create_user_command(USERNAME, PASSWORD))
    return site


@pytest.fixture(scope="module", params=list(VARIANTS))
def server(
    request: pytest.FixtureRequest, cookies_session: Any, project_python: str
) -> Iterator[Any]:
    answers = VARIANTS[request.param]
    env = {}
    if answers.get("database") == "postgresql":
        env["DATABASE_URL"] = request.getfixturevalue("postgres").create_database("end_to_end")
    site = make_site(
        cookies_session,
        project_python,
        env,
        **NON_DEFAULT_PATHS,
        access_token_lifetime_minutes=str(ACCESS_MINUTES),
        refresh_token_lifetime_days=str(REFRESH_DAYS),
        **answers,
    )
    process, client = site.serve()
    try:
        yield client, site
    finally:
        stop(process)


def verify(token: str, site: Site, token_type: str, key: Any = None) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        key if key is not None else site.public_key(),
        algorithms=[site.algorithm],
        options={"require": ["exp", "iat", "jti"]},
    )
    assert claims["token_type"] == token_type
    assert claims["username"] == USERNAME
    return claims


def credentials() -> dict[str, str]:
    return {"username": USERNAME, "password": PASSWORD}


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
    assert set(refreshed) == {"access"}
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
