"""A bounded load on one baked project under gunicorn, as production runs it.

One project (PostgreSQL, production settings, non-default paths) served by gunicorn with several
workers. A load generator on loopback (threads, http.client) runs for a fixed time: sign-ins of
many users on both routers, refreshes (mobile body and web cookie), protected calls and web
sign-outs, mixed. Zero errors and zero 5xx; every access token issued verifies afterwards with
the public key and through the JWK Set. A second run has `make_jwt_key --rotate` mid-load, then a
graceful reload of gunicorn's workers (SIGHUP, as a deploy would): no request fails because of
either, tokens from before still verify and refresh, and tokens from after carry the new kid.
(Running workers that are not reloaded keep signing with the old key until they meet the new kid:
test_many_instances.py covers that path.)

Every request comes from 127.0.0.1, so the per-client sign-in throttle would answer 429 after a
few sign-ins: this server runs with a settings module written only into the test's baked project
(production settings plus a high SIGN_IN_THROTTLE_RATE). Throttling itself is tested elsewhere.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    bake,
    free_port,
    loopback_production_env,
    run,
    wait_for_port,
)
from services import postgres  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load")]

API = f"/{NON_DEFAULT_PATHS['api_path']}"
MOBILE = f"{API}/{NON_DEFAULT_PATHS['mobile_auth_path']}"
WEB = f"{API}/{NON_DEFAULT_PATHS['web_auth_path']}"
PASSWORD = "correct horse battery staple"
USERS = [f"load{number}" for number in range(24)]
THREADS, WORKERS = 6, 3
RUN_SECONDS, ROTATE_AFTER_SECONDS, TAIL_SECONDS = 8.0, 2.0, 5.0
REQUEST_TIMEOUT, START_TIMEOUT = 30, 60
LOAD_SETTINGS = '''"""Production settings; sign-in throttling raised (one IP for all clients)."""

from config.settings.production import *  # noqa: F403

NINJA_SIMPLE_JWT = {**NINJA_SIMPLE_JWT, "SIGN_IN_THROTTLE_RATE": "100000/min"}  # noqa: F405
'''


@dataclass
class Server:
    project: Path
    python: str
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def manage(self, *arguments: str) -> str:
        return run([self.python, "manage.py", *arguments], self.project, env=self.env).stdout

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@dataclass
class Outcome:
    """What one load run saw: counts per request, failures, and every access token issued."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    tokens: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, status: int, expected: int, detail: Any) -> None:
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            if status != expected:
                self.failures.append(f"{name}: {status} {str(detail)[:200]}")

    def token(self, started: float, access: str) -> None:
        with self.lock:
            self.tokens.append((started, access))


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    all_headers = {"Content-Type": "application/json"} if body is not None else {}
    all_headers.update(headers or {})
    try:
        connection.request(method, path, None if body is None else json.dumps(body), all_headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return response.status, response.headers, json.loads(raw) if raw and is_json else raw


# The refresh cookie's name under the production settings.
COOKIE = "__Secure-refresh"


def refresh_cookie(headers: http.client.HTTPMessage) -> str:
    cookie = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        cookie.load(value)
    return cookie[COOKIE].value if COOKIE in cookie else ""


def one_round(port: int, username: str, outcome: Outcome) -> None:
    """One user's session on both routers: every step must answer as the API promises."""
    started = time.monotonic()
    credentials = {"username": username, "password": PASSWORD}
    status, _, body = request(port, "POST", f"{MOBILE}/sign-in", credentials)
    outcome.record("mobile sign-in", status, 200, body)
    if status != 200:
        return
    outcome.token(started, body["access"])
    status, _, refreshed = request(
        port, "POST", f"{MOBILE}/token-refresh", {"refresh": body["refresh"]}
    )
    outcome.record("mobile refresh", status, 200, refreshed)
    if status == 200:
        outcome.token(started, refreshed["access"])
        status, _, me = request(
            port, "GET", f"{API}/me", headers={"Authorization": f"Bearer {refreshed['access']}"}
        )
        outcome.record("me", status, 200, me)

    status, headers, body = request(port, "POST", f"{WEB}/sign-in", credentials)
    outcome.record("web sign-in", status, 200, body)
    if status != 200:
        return
    outcome.token(started, body["access"])
    cookie = {"Cookie": f"{COOKIE}={refresh_cookie(headers)}"}
    status, _, refreshed = request(port, "POST", f"{WEB}/token-refresh", headers=cookie)
    outcome.record("web refresh", status, 200, refreshed)
    if status == 200:
        outcome.token(started, refreshed["access"])
    status, _, body = request(port, "POST", f"{WEB}/sign-out", headers=cookie)
    outcome.record("web sign-out", status, 204, body)


def generate_load(port: int, seconds: float, during: Any = None) -> Outcome:
    """THREADS clients for ``seconds``; ``during`` runs once, in this thread, meanwhile, and
    the load goes on for TAIL_SECONDS after it returns: on a slow machine a round (two
    sign-ins with a real password hash) takes seconds, and rounds must start after it."""
    outcome = Outcome()
    stop_at = [time.monotonic() + seconds]

    def client(number: int) -> None:
        turn = number
        while time.monotonic() < stop_at[0]:
            try:
                one_round(port, USERS[turn % len(USERS)], outcome)
            except Exception as error:  # a refused or dropped connection, a timeout
                outcome.record("connection", 0, 1, repr(error))
            turn += THREADS

    threads = [threading.Thread(target=client, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        if during is not None:
            during()
            stop_at[0] = max(stop_at[0], time.monotonic() + TAIL_SECONDS)
    finally:
        for thread in threads:
            thread.join(timeout=max(stop_at[0] - time.monotonic(), 0) + 2 * REQUEST_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    return outcome


@pytest.fixture(scope="module")
def server(
    cookies_session: Any,
    project_python: str,
    postgres: Any,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    project = bake(cookies_session, **NON_DEFAULT_PATHS, database="postgresql")
    (project / "config" / "settings" / "load_test.py").write_text(LOAD_SETTINGS)
    env = loopback_production_env(
        DJANGO_SETTINGS_MODULE="config.settings.load_test",
        DATABASE_URL=postgres.create_database("load"),
    )
    manage = [project_python, "manage.py"]
    run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], project, env=env)
    run([*manage, "migrate", "--verbosity", "0"], project, env=env)
    run([*manage, "createcachetable"], project, env=env)  # throttling's cache: no REDIS_URL
    run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"[get_user_model().objects.create_user(username=name, password={PASSWORD!r}) "
            f"for name in {USERS!r}]",
        ],
        project,
        env=env,
    )
    port = free_port()
    log = tmp_path_factory.mktemp("load") / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                project_python,
                *("-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(WORKERS), "--worker-class", "gthread", "--threads", "2"),
                *("--graceful-timeout", "5"),
            ],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    site = Server(project, project_python, env, port, process, log)
    try:
        wait_for_port(port, process, timeout=START_TIMEOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while request(port, "GET", f"{API}/health")[0] != 200:
            assert time.monotonic() < deadline, "gunicorn never became healthy"
            time.sleep(0.2)
        yield site
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def jwk_keys(server: Server) -> dict[str, Any]:
    client = jwt.PyJWKClient(
        f"http://127.0.0.1:{server.port}/.well-known/jwks.json", cache_keys=False
    )
    return {key.key_id: key.key for key in client.get_signing_keys()}


def verify_all(tokens: list[str], keys: dict[str, Any]) -> set[str]:
    """Verify every token with the key its kid names; return the kids seen."""
    kids = set()
    for token in tokens:
        kid = jwt.get_unverified_header(token)["kid"]
        claims = jwt.decode(
            token, keys[kid], algorithms=["RS256"], options={"require": ["exp", "iat", "jti"]}
        )
        assert claims["token_type"] == "access"
        assert claims["username"] in USERS
        kids.add(kid)
    return kids


def assert_clean(outcome: Outcome, server: Server) -> None:
    assert not outcome.failures, (outcome.failures[:20], server.log_tail())
    for name in ("mobile sign-in", "mobile refresh", "me", "web sign-in", "web refresh"):
        assert outcome.counts.get(name, 0) >= THREADS, outcome.counts
    assert "connection" not in outcome.counts, outcome.counts


def test_mixed_load_has_no_errors_and_every_token_verifies(server: Server) -> None:
    outcome = generate_load(server.port, RUN_SECONDS)

    assert_clean(outcome, server)
    tokens = [token for _, token in outcome.tokens]
    public_key = (server.project / "jwt-signing.pub").read_bytes()
    for token in tokens:
        jwt.decode(token, public_key, algorithms=["RS256"], options={"require": ["exp", "jti"]})
    assert len(verify_all(tokens, jwk_keys(server))) == 1


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_rotation_mid_load_fails_no_request(server: Server) -> None:
    """Rotate, then reload gunicorn's workers (the deploy step), while the load runs."""
    before_kids = set(jwk_keys(server))
    credentials = {"username": USERS[0], "password": PASSWORD}
    status, _, before = request(server.port, "POST", f"{MOBILE}/sign-in", credentials)
    assert status == 200, before
    new_key_signs_from: list[float] = []

    def rotate_and_reload() -> None:
        time.sleep(ROTATE_AFTER_SECONDS)
        server.manage("make_jwt_key", "--rotate")
        server.process.send_signal(signal.SIGHUP)  # graceful: new workers, old ones finish
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            started = time.monotonic()
            status, _, body = request(server.port, "POST", f"{MOBILE}/sign-in", credentials)
            assert status == 200, body
            if kid_of(body["access"]) not in before_kids:
                new_key_signs_from.append(started)
                return
            assert time.monotonic() < deadline, "the reloaded workers never signed with the new key"
            time.sleep(0.2)

    outcome = generate_load(server.port, RUN_SECONDS, during=rotate_and_reload)

    assert_clean(outcome, server)
    keys = jwk_keys(server)
    new_kids = set(keys) - before_kids
    assert len(new_kids) == 1, (before_kids, set(keys))
    assert before_kids <= set(keys)  # tokens from before the rotation still verify
    assert verify_all([token for _, token in outcome.tokens], keys) == before_kids | new_kids
    late = [token for started, token in outcome.tokens if started > new_key_signs_from[0]]
    assert late, "the load ended before the reloaded workers answered"
    assert {kid_of(token) for token in late} == new_kids
    # Nobody was signed out: the access and refresh tokens from before keep working.
    bearer = {"Authorization": f"Bearer {before['access']}"}
    assert request(server.port, "GET", f"{API}/me", headers=bearer)[0] == 200
    status, _, refreshed = request(
        server.port, "POST", f"{MOBILE}/token-refresh", {"refresh": before["refresh"]}
    )
    assert status == 200, refreshed
    assert kid_of(refreshed["access"]) in new_kids
