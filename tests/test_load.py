"""A bounded load on one baked project under gunicorn, as production runs it, with a key rotation
in the middle of it.

One project (PostgreSQL, production settings, non-default paths) served by gunicorn with three
workers. Clients on loopback (threads) go round after round: sign-ins of many users on both
routers, refreshes (mobile body and web cookie), protected calls and web sign-outs. Once every
client has finished a round, `make_jwt_key --rotate` runs; each client then finishes one more
round begun after it. The workers re-read the key files every second, so the rotation lands
while they read. Zero errors and zero 5xx; every access token issued verifies with the public key
of before or after the rotation; the tokens from before still work. That the new key reaches
running processes is test_many_instances.py's to prove.

Every request comes from 127.0.0.1, so the per-client sign-in throttle would answer 429 after a
few sign-ins: this server runs with a settings module written only into the test's baked project
(production settings plus a high SIGN_IN_THROTTLE_RATE). Throttling itself is tested elsewhere.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    Client,
    bake,
    bearer,
    create_users_command,
    gunicorn,
    kid_of,
    log_tail,
    loopback_production_env,
    refresh_cookie,
    run,
    start_server,
    stop,
)
from services import postgres  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load")]

API, MOBILE, WEB = "/v1", "/v1/app-auth", "/v1/session"
COOKIE = "__Secure-refresh"  # the refresh cookie's name under the production settings
PASSWORD = "correct horse battery staple"
USERS = [f"load{number}" for number in range(24)]
THREADS, WORKERS = 6, 3
# Every wait is bounded: a round is six requests of at most 30 seconds each.
ROUND_TIMEOUT = 6 * 30
LOAD_SETTINGS = '''"""Production's; the sign-in throttle raised, the keys re-read every second."""
from datetime import timedelta

from config.settings.production import *  # noqa: F403

NINJA_SIMPLE_JWT = {
    **NINJA_SIMPLE_JWT,  # noqa: F405
    "SIGN_IN_THROTTLE_RATE": "100000/min",
    "JWT_KEY_RELOAD_INTERVAL": timedelta(seconds=1),
}
'''


@dataclass
class Outcome:
    """What the load saw: counts per request, failures, and every access token issued."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, answer: Any, expected: int) -> bool:
        """Count ``answer`` (a Response); False, and a failure noted, if it is not ``expected``."""
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            if answer.status != expected:
                self.failures.append(f"{name}: {answer.status} {str(answer.body)[:200]}")
                return False
            if isinstance(answer.body, dict) and "access" in answer.body:
                self.tokens.append(answer.body["access"])
            return True


def one_round(client: Client, username: str, outcome: Outcome) -> None:
    """One user's session on both routers: every step must answer as the API promises."""
    credentials = {"username": username, "password": PASSWORD}
    signed_in = client.request("POST", f"{MOBILE}/sign-in", credentials)
    if outcome.record("mobile sign-in", signed_in, 200):
        body = {"refresh": signed_in.body["refresh"]}
        refreshed = client.request("POST", f"{MOBILE}/token-refresh", body)
        if outcome.record("mobile refresh", refreshed, 200):
            me = client.request("GET", f"{API}/me", headers=bearer(refreshed.body["access"]))
            outcome.record("me", me, 200)
    signed_in = client.request("POST", f"{WEB}/sign-in", credentials)
    if outcome.record("web sign-in", signed_in, 200):
        cookie = {"Cookie": f"{COOKIE}={refresh_cookie(signed_in.headers, COOKIE).value}"}
        refreshed = client.request("POST", f"{WEB}/token-refresh", headers=cookie)
        outcome.record("web refresh", refreshed, 200)
        outcome.record(
            "web sign-out", client.request("POST", f"{WEB}/sign-out", headers=cookie), 204
        )


def generate_load(client: Client, during: Callable[[], None]) -> Outcome:
    """THREADS clients go round after round. ``during`` runs, in this thread, once each of them
    has finished a round; each then finishes one more round begun after it returned, and stops."""
    outcome = Outcome()
    warmed_up = threading.Barrier(THREADS + 1, timeout=ROUND_TIMEOUT)
    done = threading.Event()

    def go_round(number: int) -> None:
        for turn in itertools.count(number, THREADS):
            last = done.is_set()
            try:
                one_round(client, USERS[turn % len(USERS)], outcome)
            except Exception as error:  # a refused or dropped connection, a timeout
                outcome.failures.append(f"connection: {error!r}")
            if turn == number:
                warmed_up.wait()
            if last:
                return

    threads = [threading.Thread(target=go_round, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        warmed_up.wait()
        during()
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=3 * ROUND_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    return outcome


@dataclass
class Server:
    client: Client
    project: Path
    log: Path
    manage: Callable[..., str]


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

    def manage(*arguments: str) -> str:
        return run([project_python, "manage.py", *arguments], project, env=env).stdout

    manage("collectstatic", "--noinput", "--verbosity", "0")
    manage("migrate", "--verbosity", "0")
    manage("createcachetable")  # throttling's cache: no REDIS_URL
    manage(*create_users_command(PASSWORD, *USERS))
    log = tmp_path_factory.mktemp("load") / "gunicorn.log"
    process, port = start_server(project, project_python, env, gunicorn(WORKERS), log)
    try:
        yield Server(Client(port), project, log, manage)
    finally:
        stop(process)


def test_a_rotation_under_load_fails_no_request_and_signs_nobody_out(server: Server) -> None:
    client, public_key_file = server.client, server.project / "jwt-signing.pub"
    key_before = public_key_file.read_bytes()
    credentials = {"username": USERS[0], "password": PASSWORD}
    status, _, before = client.request("POST", f"{MOBILE}/sign-in", credentials)
    assert status == 200, before

    outcome = generate_load(client, lambda: server.manage("make_jwt_key", "--rotate"))

    assert not outcome.failures, (outcome.failures[:20], log_tail(server.log))
    for name in ("mobile sign-in", "mobile refresh", "me", "web sign-in", "web refresh"):
        assert outcome.counts.get(name, 0) >= 2 * THREADS, outcome.counts  # two rounds each
    key_after = public_key_file.read_bytes()
    assert key_after != key_before
    old_kid = kid_of(before["access"])
    for token in outcome.tokens:
        key = key_before if kid_of(token) == old_kid else key_after
        claims = jwt.decode(token, key, ["RS256"], options={"require": ["exp", "jti"]})
        assert claims["token_type"] == "access" and claims["username"] in USERS
    # Nobody was signed out: the access and refresh tokens from before keep working.
    assert client.request("GET", f"{API}/me", headers=bearer(before["access"])).status == 200
    refreshed = client.request("POST", f"{MOBILE}/token-refresh", {"refresh": before["refresh"]})
    assert refreshed.status == 200, refreshed.body
