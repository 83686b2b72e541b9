"""``key_storage=env``: a production server that has only ``JWT_PRIVATE_KEY`` and
``JWT_PUBLIC_KEY`` in its environment (no key file anywhere) signs and verifies, and the
documented rotation works: ``make_jwt_key --rotate`` prints the new variables, and a server
restarted with them signs with the new key and still accepts the old key's tokens."""

from __future__ import annotations

import http.client
import json
import shlex
from pathlib import Path
from typing import Any

import jwt
from conftest import (
    bake,
    create_user_command,
    loopback_production_env,
    run,
    start_server,
)

PASSWORD = "correct horse battery staple"


def post(port: int, path: str, body: Any) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def me(port: int, access: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/api/me", headers={"Authorization": f"Bearer {access}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def one_line(pem: str) -> str:
    return pem.replace("\n", "\\n")


def printed_variables(output: str) -> dict[str, str]:
    return {
        line.partition("=")[0]: shlex.split(line.partition("=")[2])[0]
        for line in output.splitlines()
        if line.startswith("JWT_") and "=" in line
    }


def kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_a_server_with_keys_only_in_its_environment(
    cookies: Any, project_python: str, served: list[Any], tmp_path: Path
) -> None:
    project = bake(cookies, key_storage="env", mobile_auth=True)
    keys = {
        "JWT_PRIVATE_KEY": one_line((project / "jwt-signing.pem").read_text()),
        "JWT_PUBLIC_KEY": one_line((project / "jwt-signing.pub").read_text()),
    }
    for name in ("jwt-signing.pem", "jwt-signing.pub"):
        (project / name).unlink()
    env = loopback_production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **keys)
    manage = [project_python, "manage.py"]
    run([*manage, "migrate", "--verbosity", "0"], project, env=env)
    run([*manage, "createcachetable"], project, env=env)
    run([*manage, *create_user_command("ada", PASSWORD)], project, env=env)
    credentials = {"username": "ada", "password": PASSWORD}

    process, port = start_server(project, project_python, env)
    served.append(process)
    status, before = post(port, "/api/auth/mobile/sign-in", credentials)
    assert status == 200, before
    assert me(port, before["access"]) == 200
    process.terminate()
    process.wait(timeout=10)

    # The rotation story of the README: the command prints, the deployment sets, a restart.
    output = run([*manage, "make_jwt_key", "--rotate"], project, env=env).stdout
    rotated = printed_variables(output)
    assert set(rotated) == {"JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_PREVIOUS_PUBLIC_KEYS"}
    assert not list(project.glob("jwt-signing*"))  # nothing was written
    process, port = start_server(project, project_python, {**env, **rotated})
    served.append(process)
    status, after = post(port, "/api/auth/mobile/sign-in", credentials)
    assert status == 200, after
    assert kid(after["access"]) != kid(before["access"])
    assert me(port, before["access"]) == 200  # the retired key still verifies its tokens
    status, refreshed = post(port, "/api/auth/mobile/token-refresh", {"refresh": before["refresh"]})
    assert status == 200, refreshed
    assert kid(refreshed["access"]) == kid(after["access"])
