"""Shared helpers for the template's tests.

Baked projects run with the interpreter that runs these tests: its virtual environment holds
everything a baked project needs (requirements/tests.txt), so no bake installs anything.
"""

from __future__ import annotations

import http.client
import importlib.util
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

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


def create_users_command(password: str, *usernames: str) -> list[str]:
    """manage.py arguments that create users who sign in with their username and ``password``."""
    code = "from django.contrib.auth import get_user_model as model\nfor name in {!r}:\n"
    code += "    model().objects.create_user(username=name, password={!r})"
    return ["shell", "-c", code.format(usernames, password)]


def assert_key_pair(private_pem: bytes, public_pem: bytes, algorithm: str) -> None:
    """One key pair of the algorithm's kind in PKCS#8 and SubjectPublicKeyInfo PEM, as
    make_jwt_key and the post-generation hook write them."""
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    kinds = {"RS256": rsa.RSAPrivateKey, "ES256": ec.EllipticCurvePrivateKey}
    assert isinstance(private_key, kinds.get(algorithm, ed25519.Ed25519PrivateKey)), algorithm
    if isinstance(private_key, rsa.RSAPrivateKey):
        assert private_key.key_size == 2048
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        assert private_key.curve.name == "secp256r1"
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    public_key = serialization.load_pem_public_key(public_pem)
    assert private_key.public_key().public_bytes(*spki) == public_key.public_bytes(*spki)


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


def uvicorn(port: int) -> list[str]:
    """uvicorn serving config/asgi.py on 127.0.0.1:``port``, as the project's README says."""
    return ["-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)]


def gunicorn(workers: int) -> Callable[[int], list[str]]:
    """gunicorn as production runs it: ``workers`` processes of two threads each."""
    return lambda port: [
        *("-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"),
        *("--workers", str(workers), "--worker-class", "gthread", "--threads", "2"),
        *("--graceful-timeout", "5"),
    ]


def start_server(
    project: Path,
    python: str,
    env: Mapping[str, str],
    command: Callable[[int], list[str]] = runserver,
    log: Path | None = None,
    port: int = 0,
) -> tuple[subprocess.Popen[Any], int]:
    """Serve a baked project on ``port`` or a free one, on loopback: ``python`` runs
    ``command(port)``; its output goes to ``log`` (shown if it does not start) or nowhere.
    Returns once it answers, within two minutes (a container's entrypoint migrates first)."""
    port = port or free_port()
    with open(log or os.devnull, "wb") as output:
        process = subprocess.Popen(
            [python, *command(port)],
            cwd=project,
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, timeout=120)
        # gunicorn listens before its workers boot: the first answer is the sign of life.
        Client(port).request("GET", "/")
    except Exception as error:
        stop(process)
        raise AssertionError(f"the server did not start:\n{log_tail(log)}") from error
    except BaseException:
        stop(process)
        raise
    return process, port


def log_tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-4000:] if log else ""


class Response(NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: Any  # the JSON decoded, or the bytes of any other answer


class Client:
    """JSON over HTTP to a server on loopback; ``headers`` go with every request."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port, self.headers = port, headers or {}
        self.base_url = f"http://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        """``body`` goes as JSON (bytes as they are), with its content type."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        payload = body if body is None or isinstance(body, bytes) else json.dumps(body)
        sent = {"Content-Type": "application/json"} if body is not None else {}
        try:
            connection.request(method, path, payload, {**sent, **self.headers, **(headers or {})})
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        return Response(
            response.status, response.headers, json.loads(raw) if raw and is_json else raw
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def refresh_cookie(headers: http.client.HTTPMessage, name: str = "refresh") -> Morsel[str]:
    """The one cookie an answer sets, which must be the refresh cookie ``name``."""
    set_cookies = headers.get_all("Set-Cookie") or []
    assert len(set_cookies) == 1, set_cookies
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(set_cookies[0])
    assert list(cookie) == [name], set_cookies
    return cookie[name]


# Client addresses that no other request used (TEST-NET-2 and beyond): behind a server that
# trusts one proxy's X-Forwarded-For (DJANGO_NUM_PROXIES=1), each has its own sign-in budget.
_ADDRESSES = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def from_new_address() -> dict[str, str]:
    return {"X-Forwarded-For": next(_ADDRESSES)}


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
