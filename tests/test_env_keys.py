"""``key_storage=env``: a production server that has only ``JWT_PRIVATE_KEY`` and
``JWT_PUBLIC_KEY`` in its environment (no key file anywhere) signs and verifies, and the
documented rotation works: ``make_jwt_key --rotate`` prints the new variables, and a server
restarted with them signs with the new key and still accepts the old key's tokens."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from conftest import (
    Client,
    bake,
    bearer,
    create_users_command,
    kid_of,
    loopback_production_env,
    run,
    start_server,
    stop,
)

PASSWORD = "correct horse battery staple"
SIGN_IN, REFRESH = "/api/auth/mobile/sign-in", "/api/auth/mobile/token-refresh"


def one_line(pem: str) -> str:
    return pem.replace("\n", "\\n")


def printed_variables(output: str) -> dict[str, str]:
    return {
        line.partition("=")[0]: shlex.split(line.partition("=")[2])[0]
        for line in output.splitlines()
        if line.startswith("JWT_") and "=" in line
    }


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
    run([*manage, *create_users_command(PASSWORD, "ada")], project, env=env)
    credentials = {"username": "ada", "password": PASSWORD}

    process, port = start_server(project, project_python, env)
    served.append(process)
    status, _, before = Client(port).request("POST", SIGN_IN, credentials)
    assert status == 200, before
    assert Client(port).request("GET", "/api/me", headers=bearer(before["access"])).status == 200
    stop(process)

    # The rotation story of the README: the command prints, the deployment sets, a restart.
    output = run([*manage, "make_jwt_key", "--rotate"], project, env=env).stdout
    rotated = printed_variables(output)
    assert set(rotated) == {"JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_PREVIOUS_PUBLIC_KEYS"}
    assert not list(project.glob("jwt-signing*"))  # nothing was written
    process, port = start_server(project, project_python, {**env, **rotated})
    served.append(process)
    client = Client(port)
    status, _, after = client.request("POST", SIGN_IN, credentials)
    assert status == 200, after
    assert kid_of(after["access"]) != kid_of(before["access"])
    # The retired key still verifies its tokens.
    assert client.request("GET", "/api/me", headers=bearer(before["access"])).status == 200
    status, _, refreshed = client.request("POST", REFRESH, {"refresh": before["refresh"]})
    assert status == 200, refreshed
    assert kid_of(refreshed["access"]) == kid_of(after["access"])
