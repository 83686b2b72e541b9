"""Many instances of one baked project, as production runs it behind a load balancer.

One project (PostgreSQL, keys in S3, non-default paths) under its production settings, served by
two gunicorn app servers (two workers of two threads each) that share a real PostgreSQL server,
a real Redis (the cache that sign-in throttling counts in) and a real S3-compatible server (moto),
all on loopback. A token or refresh cookie from one instance works on another, and a session
revoked on one is refused on the other; the per-client and per-account sign-in limits hold across
all four processes; a separate process that knows only the JWK Set URL verifies tokens;
`make_jwt_key --rotate` reaches every running process within JWT_KEY_RELOAD_INTERVAL without a
restart. Faults: Redis gone (sign-in goes on, unthrottled and logged), the database gone (a JSON
503), each put back afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    bake,
    create_user_command,
    free_port,
    loopback_production_env,
    project_env,
    run,
    wait_for_port,
)
from cryptography.hazmat.primitives import serialization
from services import RedisServer, S3Server, postgres, redis, s3  # noqa: F401  (fixtures)

# One deployment for the whole module, on one worker: the tests share its servers.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("many_instances")]

USERNAME, PASSWORD = "grace", "correct horse battery staple"
SPRAYED = "sprayed"  # the account that a botnet guesses the password of
ALGORITHM = "RS256"
API, MOBILE, WEB = "/v1", "/v1/app-auth", "/v1/session"
PRIVATE_PREFIX, PUBLIC_PREFIX = "auth/signing", "auth/verifying"
PRIVATE_KEY_NAME, PUBLIC_KEY_NAME = "jwt-signing.pem", "jwt-signing.pub"
PREVIOUS_KEYS_NAME = "jwt-signing.previous.json"
# Every wait is bounded: a request, a server start, a server stop.
REQUEST_TIMEOUT, START_TIMEOUT, STOP_TIMEOUT = 30, 60, 15
# The sign-in limits of the generated settings: per client address, and failures per account.
CLIENT_LIMIT, ACCOUNT_LIMIT = 10, 10
# The deployment's settings: production's, with the keys re-read every few seconds.
KEY_RELOAD_SECONDS = 4
SETTINGS = f"""
from datetime import timedelta

from .production import *  # noqa: F403

NINJA_SIMPLE_JWT = {{
    **NINJA_SIMPLE_JWT,  # noqa: F405
    "JWT_KEY_RELOAD_INTERVAL": timedelta(seconds={KEY_RELOAD_SECONDS}),
}}
"""
# Clients that the tests tell apart: the load balancer's X-Forwarded-For (DJANGO_NUM_PROXIES=1).
_ADDRESSES = (f"198.51.{n // 250}.{n % 250 + 1}" for n in range(100_000))


def from_new_client() -> dict[str, str]:
    return {"X-Forwarded-For": next(_ADDRESSES)}


# The other service: this script is all it has, and the JWK Set URL.
JWK_SET_VERIFIER = """
import json, sys
import jwt

jwk_set_url, token, algorithm = sys.argv[1:]
signing_key = jwt.PyJWKClient(jwk_set_url, cache_keys=False).get_signing_key_from_jwt(token)
claims = jwt.decode(
    token, signing_key.key, algorithms=[algorithm], options={"require": ["exp", "iat", "jti"]}
)
print(json.dumps({"kid": signing_key.key_id, "claims": claims}))
"""


class Client:
    """JSON over HTTP to one instance; ``keep_alive`` reuses one connection (one worker)."""

    def __init__(self, port: int, *, keep_alive: bool = False) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.keep_alive = keep_alive
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, Any]:
        connection = self.connection or http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
        )
        all_headers = {"Content-Type": "application/json"} if body is not None else {}
        all_headers.update(headers or {})
        try:
            connection.request(
                method, path, body=None if body is None else json.dumps(body), headers=all_headers
            )
            response = connection.getresponse()
            raw = response.read()
        finally:
            if self.keep_alive:
                self.connection = connection
            else:
                connection.close()
        content_type = response.headers.get("Content-Type", "")
        data = json.loads(raw) if raw and content_type.startswith("application/json") else raw
        return response.status, response.headers, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def credentials() -> dict[str, str]:
    return {"username": USERNAME, "password": PASSWORD}


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


@dataclass
class Instance:
    """One gunicorn app server (a master and its workers, in their own process group)."""

    name: str
    process: subprocess.Popen[bytes]
    client: Client
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown of every worker
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@dataclass
class Deployment:
    """A baked project, migrated, with one user and its keys made in S3 by make_jwt_key."""

    project: Path
    python: str
    env: dict[str, str]
    s3: S3Server
    private_bucket: str
    public_bucket: str
    logs: Path
    make_jwt_key_output: str = ""

    def manage(self, *arguments: str) -> str:
        return run([self.python, "manage.py", *arguments], self.project, env=self.env).stdout

    def serve(self, name: str, env: dict[str, str] | None = None) -> Instance:
        """Start an instance, and return once it answers (gunicorn boots workers after binding)."""
        port = free_port()
        log = self.logs / f"{name}-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "2",
                    "--graceful-timeout",
                    "5",
                ],
                cwd=self.project,
                env=env or self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        instance = Instance(name, process, Client(port), log)
        try:
            wait_for_port(port, process, timeout=START_TIMEOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while instance.client.request("GET", f"{API}/health")[0] != 200:
                assert time.monotonic() < deadline, f"{name} never became healthy"
                time.sleep(0.2)
        except Exception as error:
            instance.stop()
            raise AssertionError(f"{name} did not start:\n{instance.log_tail()}") from error
        except BaseException:
            instance.stop()
            raise
        return instance

    def read_object(self, bucket: str, key: str) -> bytes:
        body: bytes = self.s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def object_keys(self, bucket: str) -> list[str]:
        listing = self.s3.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def public_key_pem(self) -> bytes:
        return self.read_object(self.public_bucket, f"{PUBLIC_PREFIX}/{PUBLIC_KEY_NAME}")


@pytest.fixture(scope="module")
def deployment(
    cookies_session: Any,
    project_python: str,
    postgres: Any,  # noqa: F811
    s3: S3Server,  # noqa: F811
    redis: RedisServer,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Deployment:
    project = bake(
        cookies_session,
        **NON_DEFAULT_PATHS,
        database="postgresql",
        key_storage="s3",
        jwt_algorithm=ALGORITHM,
    )
    private_bucket = s3.create_bucket("acme-auth-private")
    public_bucket = s3.create_bucket("acme-auth-public")
    (project / "config" / "settings" / "many_instances.py").write_text(SETTINGS)
    env = loopback_production_env(
        DJANGO_SETTINGS_MODULE="config.settings.many_instances",
        DATABASE_URL=postgres.create_database("many_instances"),
        REDIS_URL=redis.url,
        DJANGO_NUM_PROXIES="1",
        **s3.key_storage_env(private_bucket, public_bucket, PRIVATE_PREFIX, PUBLIC_PREFIX),
    )
    site = Deployment(
        project,
        project_python,
        env,
        s3,
        private_bucket,
        public_bucket,
        logs=tmp_path_factory.mktemp("gunicorn"),
    )
    # A first deploy: the keys first (the system checks of the other commands look for them),
    # the static files that WhiteNoise serves, the database, a user.
    site.make_jwt_key_output = site.manage("make_jwt_key")
    site.manage("collectstatic", "--noinput", "--verbosity", "0")
    site.manage("migrate", "--verbosity", "0")
    site.manage(*create_user_command(USERNAME, PASSWORD))
    site.manage(*create_user_command(SPRAYED, PASSWORD))
    return site


@pytest.fixture(scope="module")
def cluster(deployment: Deployment) -> Iterator[tuple[Instance, Instance]]:
    """Two instances of the deployment, running side by side."""
    instances: list[Instance] = []
    try:
        instances.append(deployment.serve("first"))
        instances.append(deployment.serve("second"))
        yield instances[0], instances[1]
    finally:
        for instance in instances:
            instance.stop()


def verify_with_s3_public_key(deployment: Deployment, token: str, token_type: str) -> Any:
    claims = jwt.decode(
        token,
        deployment.public_key_pem(),
        algorithms=[ALGORITHM],
        options={"require": ["exp", "iat", "jti"]},
    )
    assert claims["token_type"] == token_type
    assert claims["username"] == USERNAME
    return claims


def verify_from_jwk_set_url(jwk_set_url: str, token: str, tmp_path: Path) -> dict[str, Any]:
    """A separate process that knows nothing but the URL verifies the token."""
    result = run(
        [sys.executable, "-c", JWK_SET_VERIFIER, jwk_set_url, token, ALGORITHM],
        tmp_path,
        timeout=60,
        env=project_env(),
    )
    verified: dict[str, Any] = json.loads(result.stdout)
    return verified


# The refresh cookie's name under the production settings.
COOKIE = "__Secure-refresh"


def refresh_cookie(headers: http.client.HTTPMessage) -> Any:
    set_cookies = headers.get_all("Set-Cookie") or []
    assert len(set_cookies) == 1, set_cookies
    cookie = SimpleCookie()
    cookie.load(set_cookies[0])
    return cookie[COOKIE]


def test_make_jwt_key_writes_the_keys_to_s3_and_only_there(deployment: Deployment) -> None:
    assert "storages.backends.s3.S3Storage" in deployment.make_jwt_key_output
    assert deployment.object_keys(deployment.private_bucket) == [
        f"{PRIVATE_PREFIX}/{PRIVATE_KEY_NAME}"
    ]
    assert deployment.object_keys(deployment.public_bucket) == [
        f"{PUBLIC_PREFIX}/{PUBLIC_KEY_NAME}"
    ]

    private_pem = deployment.read_object(
        deployment.private_bucket, f"{PRIVATE_PREFIX}/{PRIVATE_KEY_NAME}"
    )
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(deployment.public_key_pem())
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert private_key.public_key().public_bytes(*spki) == public_key.public_bytes(*spki)
    # A new pair: not the development key files the post-generation hook left in the project.
    assert deployment.public_key_pem() != (deployment.project / PUBLIC_KEY_NAME).read_bytes()

    # The private key object is not public: no grant to everyone, and no anonymous read.
    acl = deployment.s3.client().get_object_acl(
        Bucket=deployment.private_bucket, Key=f"{PRIVATE_PREFIX}/{PRIVATE_KEY_NAME}"
    )
    grantees = {grant["Grantee"].get("URI", "") for grant in acl["Grants"]}
    assert not {uri for uri in grantees if uri.endswith(("/AllUsers", "/AuthenticatedUsers"))}
    anonymous_url = (
        f"{deployment.s3.endpoint_url}/{deployment.private_bucket}/"
        f"{PRIVATE_PREFIX}/{PRIVATE_KEY_NAME}"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous_url, timeout=REQUEST_TIMEOUT)
    assert refused.value.code == 403

    # make_jwt_key again changes nothing: it finds the keys in S3.
    assert "nothing changed" in deployment.manage("make_jwt_key")


def test_tokens_and_cookies_from_one_instance_work_on_the_other(
    deployment: Deployment, cluster: tuple[Instance, Instance]
) -> None:
    first, second = (instance.client for instance in cluster)
    for client in (first, second):
        assert client.request("GET", f"{API}/health")[::2] == (200, {"status": "ok"})
        # The docs page's static files: collected, and served by WhiteNoise.
        assert client.request("GET", f"{API}/docs")[0] == 200

    # Mobile: sign in on the first; the second verifies and refreshes.
    status, _, tokens = first.request("POST", f"{MOBILE}/sign-in", credentials())
    assert status == 200, tokens
    # Signed with the private key in S3: the public key in S3 verifies it.
    verify_with_s3_public_key(deployment, tokens["access"], "access")
    verify_with_s3_public_key(deployment, tokens["refresh"], "refresh")
    status, _, me = second.request("GET", f"{API}/me", headers=bearer(tokens["access"]))
    assert (status, me["username"]) == (200, USERNAME)
    status, _, refreshed = second.request(
        "POST", f"{MOBILE}/token-refresh", {"refresh": tokens["refresh"]}
    )
    assert status == 200, refreshed
    assert first.request("GET", f"{API}/me", headers=bearer(refreshed["access"]))[0] == 200

    # Web: sign in on the first; the refresh cookie works on the second. It is Secure in
    # production, so this client sends it itself over the test's plain http.
    status, headers, body = first.request("POST", f"{WEB}/sign-in", credentials())
    assert status == 200, body
    cookie = refresh_cookie(headers)
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == WEB
    verify_with_s3_public_key(deployment, cookie.value, "refresh")
    cookie_header = {"Cookie": f"{COOKIE}={cookie.value}"}
    status, _, refreshed = second.request("POST", f"{WEB}/token-refresh", headers=cookie_header)
    assert status == 200, refreshed
    assert first.request("GET", f"{API}/me", headers=bearer(refreshed["access"]))[0] == 200
    status, headers, _ = second.request("POST", f"{WEB}/sign-out", headers=cookie_header)
    assert status == 204
    deleted = refresh_cookie(headers)
    assert (deleted.value, deleted["path"], deleted["max-age"]) == ("", WEB, "0")

    for client in (first, second):
        for headers in ({}, bearer("not-a-token"), bearer(tokens["refresh"])):
            status, response_headers, body = client.request("GET", f"{API}/me", headers=headers)
            assert status == 401
            assert response_headers["Content-Type"].startswith("application/json")
            assert "detail" in body

    # Both publish the same keys, read from the public bucket.
    jwk_sets = [client.request("GET", "/.well-known/jwks.json")[2] for client in (first, second)]
    assert jwk_sets[0] == jwk_sets[1]
    assert [key["kid"] for key in jwk_sets[0]["keys"]] == [kid_of(tokens["access"])]


def test_another_process_verifies_with_only_the_jwk_set_url(
    cluster: tuple[Instance, Instance], tmp_path: Path
) -> None:
    first, second = (instance.client for instance in cluster)
    status, _, tokens = first.request("POST", f"{MOBILE}/sign-in", credentials())
    assert status == 200, tokens
    verified = verify_from_jwk_set_url(
        f"{second.base_url}/.well-known/jwks.json", tokens["access"], tmp_path
    )
    assert verified["kid"] == kid_of(tokens["access"])
    assert verified["claims"]["username"] == USERNAME
    assert verified["claims"]["token_type"] == "access"


def sign_in_after_meeting(client: Client, token: str) -> str:
    """On one connection (so one worker): present ``token``, then sign in; the new access token.

    A worker that meets an unknown kid reloads the keys from storage and, if the key pair was
    rotated, signs with the new private key from then on.
    """
    persistent = Client(client.port, keep_alive=True)
    try:
        assert persistent.request("GET", f"{API}/me", headers=bearer(token))[0] == 200
        assert persistent.connection is not None
        socket_before = persistent.connection.sock
        status, _, tokens = persistent.request("POST", f"{MOBILE}/sign-in", credentials())
        assert status == 200, tokens
        assert persistent.connection.sock is socket_before, "the server closed the connection"
    finally:
        persistent.close()
    return str(tokens["access"])


def test_rotation_reaches_running_instances_without_a_restart(
    deployment: Deployment, cluster: tuple[Instance, Instance], tmp_path: Path
) -> None:
    first, second = (instance.client for instance in cluster)
    status, _, before = first.request("POST", f"{MOBILE}/sign-in", credentials())
    assert status == 200, before
    status, headers, _ = second.request("POST", f"{WEB}/sign-in", credentials())
    assert status == 200
    cookie_before = {"Cookie": f"{COOKIE}={refresh_cookie(headers).value}"}
    old_kid = kid_of(before["access"])

    output = deployment.manage("make_jwt_key", "--rotate")
    assert old_kid in output
    assert f"{PUBLIC_PREFIX}/{PREVIOUS_KEYS_NAME}" in deployment.object_keys(
        deployment.public_bucket
    )

    # A new instance started after the rotation (a rolling deploy) signs with the new key.
    third = deployment.serve("third")
    try:
        newcomer = third.client
        status, _, after = newcomer.request("POST", f"{MOBILE}/sign-in", credentials())
        assert status == 200, after
        new_kid = kid_of(after["access"])
        assert new_kid != old_kid
        verify_with_s3_public_key(deployment, after["access"], "access")

        # The running instances accept it without a restart: each worker that meets the new
        # kid reloads the keys from S3 once. Several requests reach both workers of each.
        for client in (first, second):
            for _ in range(4):
                status, _, me = client.request("GET", f"{API}/me", headers=bearer(after["access"]))
                assert status == 200, me

        # Having met the new kid, a running instance signs with the new key, and the other
        # running instance accepts what it signs.
        for signer, verifier in ((first, second), (second, first)):
            signed = sign_in_after_meeting(signer, after["access"])
            assert kid_of(signed) == new_kid
            assert verifier.request("GET", f"{API}/me", headers=bearer(signed))[0] == 200

        # Tokens and cookies from before the rotation keep working everywhere: nobody is
        # signed out.
        for client in (first, second, newcomer):
            assert client.request("GET", f"{API}/me", headers=bearer(before["access"]))[0] == 200
        status, _, refreshed = newcomer.request(
            "POST", f"{MOBILE}/token-refresh", {"refresh": before["refresh"]}
        )
        assert status == 200, refreshed
        assert kid_of(refreshed["access"]) == new_kid
        status, _, refreshed = first.request("POST", f"{WEB}/token-refresh", headers=cookie_before)
        assert status == 200, refreshed

        # Another service, with only a JWK Set URL, verifies tokens of either key.
        jwk_set_url = f"{newcomer.base_url}/.well-known/jwks.json"
        for token, kid in ((before["access"], old_kid), (after["access"], new_kid)):
            assert verify_from_jwk_set_url(jwk_set_url, token, tmp_path)["kid"] == kid
        status, _, jwk_set = newcomer.request("GET", "/.well-known/jwks.json")
        assert status == 200
        assert {key["kid"] for key in jwk_set["keys"]} == {old_kid, new_kid}
    finally:
        third.stop()


# --- Shared state across all four processes ---


def sign_in_everywhere(
    cluster: tuple[Instance, Instance], bodies: list[dict[str, str]], same_client: bool
) -> list[int]:
    """POST the bodies to the mobile sign-in at once, alternating instances, from one client
    address or from one new address each; the statuses."""
    clients = [instance.client for instance in cluster]
    shared = from_new_client()
    headers = [shared if same_client else from_new_client() for _ in bodies]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = pool.map(
            lambda index: clients[index % 2].request(
                "POST", f"{MOBILE}/sign-in", bodies[index], headers[index]
            )[0],
            range(len(bodies)),
        )
        return list(answers)


def test_the_per_client_limit_holds_across_every_process(
    cluster: tuple[Instance, Instance],
) -> None:
    """30 wrong passwords at once from one client, for 30 accounts, over 2 x 2 workers."""
    bodies = [{"username": f"nobody-{n}", "password": "wrong"} for n in range(30)]
    statuses = sign_in_everywhere(cluster, bodies, same_client=True)
    assert set(statuses) <= {401, 429}, statuses
    assert len([status for status in statuses if status != 429]) <= CLIENT_LIMIT + 1, statuses


def test_the_per_client_limit_holds_with_the_database_cache(deployment: Deployment) -> None:
    """Without REDIS_URL, production counts in a database table that every process shares."""
    env = {name: value for name, value in deployment.env.items() if name != "REDIS_URL"}
    run([deployment.python, "manage.py", "createcachetable"], deployment.project, env=env)
    instances: list[Instance] = []
    try:
        instances.append(deployment.serve("database-cache-1", env))
        instances.append(deployment.serve("database-cache-2", env))
        bodies = [{"username": f"nobody-{n}", "password": "wrong"} for n in range(30)]
        statuses = sign_in_everywhere((instances[0], instances[1]), bodies, same_client=True)
    finally:
        for instance in instances:
            instance.stop()
    assert set(statuses) <= {401, 429}, statuses
    assert len([status for status in statuses if status != 429]) <= CLIENT_LIMIT + 1, statuses


def test_the_per_account_limit_holds_against_many_clients(
    cluster: tuple[Instance, Instance],
) -> None:
    """Password spraying: 30 clients, one wrong password each, for one account."""
    bodies = [{"username": SPRAYED, "password": f"guess {n}"} for n in range(30)]
    statuses = sign_in_everywhere(cluster, bodies, same_client=False)
    assert set(statuses) <= {401, 429}, statuses
    assert len([status for status in statuses if status != 429]) <= ACCOUNT_LIMIT + 1, statuses
    # The right password waits too while the window is full: guessing cannot go on.
    first = cluster[0].client
    status, headers, _ = first.request(
        "POST", f"{MOBILE}/sign-in", {"username": SPRAYED, "password": PASSWORD}, from_new_client()
    )
    assert status == 429
    assert 0 < int(headers["Retry-After"]) <= 15 * 60


def test_a_session_revoked_on_one_instance_is_refused_on_the_other(
    cluster: tuple[Instance, Instance],
) -> None:
    first, second = (instance.client for instance in cluster)
    status, _, tokens = first.request("POST", f"{MOBILE}/sign-in", credentials(), from_new_client())
    assert status == 200, tokens
    assert second.request("POST", f"{MOBILE}/sign-out", {"refresh": tokens["refresh"]})[0] == 204
    status, _, body = first.request(
        "POST", f"{MOBILE}/token-refresh", {"refresh": tokens["refresh"]}
    )
    assert status == 401, body


def signed_kids(client: Client, count: int) -> set[str]:
    """The kids of ``count`` sign-ins, each on a new connection (any worker)."""
    kids = set()
    for _ in range(count):
        status, _, tokens = client.request(
            "POST", f"{MOBILE}/sign-in", credentials(), from_new_client()
        )
        assert status == 200, tokens
        kids.add(kid_of(tokens["access"]))
    return kids


def test_a_rotation_reaches_every_process_within_the_reload_interval(
    deployment: Deployment, cluster: tuple[Instance, Instance]
) -> None:
    """No process is shown a token of the new key: the reload interval alone brings it."""
    clients = [instance.client for instance in cluster]
    old_kids = set().union(*(signed_kids(client, 4) for client in clients))
    deployment.manage("make_jwt_key", "--rotate")
    rotated_at = time.monotonic()
    time.sleep(max(rotated_at + KEY_RELOAD_SECONDS + 0.5 - time.monotonic(), 0))
    new_kids = set().union(*(signed_kids(client, 8) for client in clients))
    assert len(new_kids) == 1 and not new_kids & old_kids, (old_kids, new_kids)


# --- Faults, each put right afterwards ---


def test_with_redis_gone_sign_in_and_refresh_go_on(
    cluster: tuple[Instance, Instance],
    redis: RedisServer,  # noqa: F811
) -> None:
    """The throttles fail open (and say so in the log): failing closed would lock out everyone."""
    redis.stop()
    try:
        for instance in cluster:
            client = instance.client
            status, _, tokens = client.request(
                "POST", f"{MOBILE}/sign-in", credentials(), from_new_client()
            )
            assert status == 200, tokens
            body = {"refresh": tokens["refresh"]}
            assert client.request("POST", f"{MOBILE}/token-refresh", body)[0] == 200
        assert any("throttle not counted" in instance.log_tail() for instance in cluster)
    finally:
        redis.start()


def test_with_the_database_gone_refresh_is_a_json_503(
    deployment: Deployment,
    cluster: tuple[Instance, Instance],
    postgres: Any,  # noqa: F811
) -> None:
    first = cluster[0].client
    status, _, tokens = first.request("POST", f"{MOBILE}/sign-in", credentials(), from_new_client())
    assert status == 200, tokens
    database = deployment.env["DATABASE_URL"].rsplit("/", 1)[1]
    postgres.psql("postgres", f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
    try:
        postgres.psql(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()",
        )
        status, _, body = first.request(
            "POST", f"{MOBILE}/token-refresh", {"refresh": tokens["refresh"]}
        )
        assert (status, body) == (
            503,
            {"detail": "The database is unavailable; try again shortly."},
        )
    finally:
        postgres.psql("postgres", f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
    status, _, body = first.request(
        "POST", f"{MOBILE}/token-refresh", {"refresh": tokens["refresh"]}
    )
    assert status == 200, body
