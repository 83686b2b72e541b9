"""A baked project at non-default paths, served by a real server process, driven over HTTP.

The requests are the library README's curl examples, at the paths the answers chose.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import NON_DEFAULT_PATHS, bake, free_port, project_env, run, wait_for_port

USERNAME, PASSWORD = "ada", "correct horse battery staple"
ACCESS_MINUTES, REFRESH_DAYS = 20, 9


class Client:
    """Just enough HTTP: JSON in, status, headers and JSON out."""

    def __init__(self, port: int) -> None:
        self.port = port

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


@pytest.fixture(scope="module")
def server(cookies_session: Any, project_python: str) -> Any:
    answers = {
        **NON_DEFAULT_PATHS,
        "access_token_lifetime_minutes": str(ACCESS_MINUTES),
        "refresh_token_lifetime_days": str(REFRESH_DAYS),
    }
    project = bake(cookies_session, **answers)
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings.local")
    run([project_python, "manage.py", "migrate", "--verbosity", "0"], project, env=env)
    run(
        [
            project_python,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user(username={USERNAME!r}, password={PASSWORD!r})",
        ],
        project,
        env=env,
    )
    port = free_port()
    process = subprocess.Popen(
        [project_python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield Client(port), project
    finally:
        process.terminate()
        process.wait(timeout=10)


def public_key(project: Path) -> bytes:
    return (project / "jwt-signing.pub").read_bytes()


def verify(token: str, project: Path, token_type: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        public_key(project),
        algorithms=["RS256"],
        options={"require": ["exp", "iat", "jti"]},
    )
    assert claims["token_type"] == token_type
    assert claims["username"] == USERNAME
    return claims


def credentials() -> dict[str, str]:
    return {"username": USERNAME, "password": PASSWORD}


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
    client, project = server
    status, _, body = client.request("POST", "/v1/app-auth/sign-in", credentials())
    assert status == 200
    assert set(body) == {"refresh", "access"}
    access = verify(body["access"], project, "access")
    refresh = verify(body["refresh"], project, "refresh")
    assert access["exp"] - access["iat"] == ACCESS_MINUTES * 60
    assert refresh["exp"] - refresh["iat"] == REFRESH_DAYS * 86400

    status, _, refreshed = client.request(
        "POST", "/v1/app-auth/token-refresh", {"refresh": body["refresh"]}
    )
    assert status == 200
    assert set(refreshed) == {"access"}
    new_access = verify(refreshed["access"], project, "access")
    assert new_access["jti"] != access["jti"]

    status, _, me = client.request(
        "GET", "/v1/me", headers={"Authorization": f"Bearer {refreshed['access']}"}
    )
    assert status == 200
    assert me["username"] == USERNAME
    assert me["user_id"] == new_access["user_id"]

    status, _, error = client.request(
        "POST", "/v1/app-auth/token-refresh", {"refresh": body["access"]}
    )
    assert status == 401
    assert "detail" in error


def test_protected_route_refuses_without_a_valid_token(server: Any) -> None:
    client, _ = server
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
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
    client, project = server
    signed_in_at = time.time()
    status, headers, body = client.request("POST", "/v1/session/sign-in", credentials())
    assert status == 200
    assert set(body) == {"access"}
    verify(body["access"], project, "access")

    raw, morsel = parse_refresh_cookie(headers)
    refresh = verify(morsel.value, project, "refresh")
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
    verify(refreshed["access"], project, "access")

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
