"""Shared helpers for the template's tests.

Baked projects run with the interpreter that runs these tests: its virtual environment holds
everything a baked project needs (requirements/tests.txt), so no bake installs anything.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
PROJECT_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
VENDORED_APP = PROJECT_TEMPLATE / "ninja_simple_jwt"

# Answers that put every URL somewhere other than the defaults.
NON_DEFAULT_PATHS = {
    "project_name": "Shop Backend",
    "api_path": "v1",
    "mobile_auth_path": "app-auth",
    "web_auth_path": "session",
}


def load_hook(name: str) -> ModuleType:
    """Import hooks/<name>.py as a plain module (its Jinja sits only in string literals)."""
    spec = importlib.util.spec_from_file_location(
        f"hook_{name}", TEMPLATE_DIR / "hooks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project_env(**extra: str) -> dict[str, str]:
    """Environment for commands run inside a baked project."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("PYTHONPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    """A realistic production environment: a strong secret, real host names, no .env defaults."""
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="api.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://api.example.com",
    )
    env.update(overrides)
    return env


def loopback_production_env(**overrides: str) -> dict[str, str]:
    """Production settings served on loopback over plain http (a real site sits behind TLS)."""
    return production_env(
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SECURE_SSL_REDIRECT="false", **overrides
    )


def run(
    command: list[str], cwd: Path, *, timeout: float = 300, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, fail the test with its whole output."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env=dict(env) if env is not None else project_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result


def create_user_command(username: str, password: str) -> list[str]:
    """manage.py arguments that create a user who signs in with ``username`` and ``password``."""
    return [
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user(username={username!r}, password={password!r})",
    ]


def bake(cookies: Any, **answers: Any) -> Path:
    """Bake the template with ``answers`` and return the project folder; fail on any error."""
    result = cookies.bake(extra_context=answers)
    assert result.exception is None, f"bake failed: {result.exception!r}"
    assert result.exit_code == 0
    return Path(result.project_path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def runserver(port: int) -> list[str]:
    """Django's runserver on 127.0.0.1:``port`` (the arguments after the interpreter)."""
    return ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]


def start_server(
    project: Path,
    python: str,
    env: Mapping[str, str],
    command: Callable[[int], list[str]] = runserver,
) -> tuple[subprocess.Popen[Any], int]:
    """Serve a baked project on a free loopback port: ``python`` runs ``command(port)``."""
    port = free_port()
    process = subprocess.Popen(
        [python, *command(port)],
        cwd=project,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
    except BaseException:
        stop(process)
        raise
    return process, port


@pytest.fixture(scope="session")
def project_python() -> str:
    """The interpreter that runs baked projects (this virtual environment's)."""
    return sys.executable


@pytest.fixture
def served() -> Iterator[list[subprocess.Popen[Any]]]:
    """Collects server processes and stops them after the test, whatever happened."""
    processes: list[subprocess.Popen[Any]] = []
    yield processes
    for process in processes:
        stop(process)
