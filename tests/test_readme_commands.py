"""The README's first command: generate a project with the defaults and start it, ready to sign in.

It runs scripts/demo.sh exactly as the README says, only in a temporary folder and on a free port,
then signs in as the demo user it prints. It installs packages from the index, so it is slow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE_DIR, Client, free_port, project_env, stop, wait_for_port


def test_readme_names_both_commands() -> None:
    readme = (TEMPLATE_DIR / "README.md").read_text()
    assert "bash scripts/demo.sh" in readme
    assert "bash scripts/test.sh" in readme
    ci = (TEMPLATE_DIR / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci


@pytest.mark.slow
def test_demo_command_serves_a_project_ready_to_sign_in(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    # A newcomer's shell: no virtual environment active, nothing of this test run's own.
    env = project_env(DEMO_DIR=str(tmp_path / "demo"), DEMO_PORT=str(port))
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(
        entry for entry in env["PATH"].split(os.pathsep) if not entry.startswith(sys.prefix)
    )
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", str(TEMPLATE_DIR / "scripts" / "demo.sh")],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, timeout=540)
        printed = log.read_text()
        match = re.search(r"Demo user:\s+(\S+) / (\S+)", printed)
        assert match, printed
        username, password = match.groups()
        credentials = {"username": username, "password": password}
        status, _, body = Client(port).request("POST", "/api/auth/mobile/sign-in", credentials)
        assert status == 200, body
        assert set(body) == {"refresh", "access"}
    finally:
        stop(process)
