"""Many instances of one baked project, as production runs it behind a load balancer.

One project (PostgreSQL, keys in S3, non-default paths) under its production settings, served by
two gunicorn app servers (two workers of two threads each) that share a real PostgreSQL server,
a real Redis (the cache that sign-in throttling counts in) and a real S3-compatible server (moto),
all on loopback. Each behaviour that needs more than one process is proven here and only here: a
token or refresh cookie from one instance works on the other, and a session revoked on one is
refused on the other; the per-client and per-account sign-in limits hold across all four
processes; `make_jwt_key --rotate` reaches every running process within JWT_KEY_RELOAD_INTERVAL,
without a restart, signing nobody out, and another service that knows only the JWK Set URL
verifies tokens of both keys. Faults: Redis gone (sign-in goes on, unthrottled and logged), the
database gone (a JSON 503), each put back afterwards.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    Client,
    assert_key_pair,
    bake,
    bearer,
    create_users_command,
    from_new_address,
    gunicorn,
    kid_of,
    log_tail,
    loopback_production_env,
    refresh_cookie,
    run,
    start_server,
    stop,
)
from services import RedisServer, S3Server, postgres, redis, s3  # noqa: F401  (fixtures)

# One deployment for the whole module, on one worker: the tests share its servers.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("many_instances")]

USERNAME, PASSWORD = "grace", "correct horse battery staple"
SPRAYED = "sprayed"  # the account that a botnet guesses the password of
ALGORITHM = "RS256"
API, MOBILE, WEB = "/v1", "/v1/app-auth", "/v1/session"
COOKIE = "__Secure-refresh"  # the refresh cookie's name under the production settings
PRIVATE_KEY = "auth/signing/jwt-signing.pem"
PUBLIC_KEY = "auth/verifying/jwt-signing.pub"
PREVIOUS_KEYS = "auth/verifying/jwt-signing.previous.json"
# The deployment's settings: production's, with the keys re-read every few seconds, and the
# sign-in limits' counts (per client address, and failures per account) those of the generated
# settings but over an hour: however slow the machine, a burst of attempts falls in one window.
KEY_RELOAD_SECONDS = 4
CLIENT_LIMIT, ACCOUNT_LIMIT = 10, 10
# How long past the reload interval a busy two-core machine may take to show the new key.
RELOAD_TOLERANCE_SECONDS = 30
SETTINGS = f"""
from datetime import timedelta

from .production import *  # noqa: F403

NINJA_SIMPLE_JWT = {{
    **NINJA_SIMPLE_JWT,  # noqa: F405
    "JWT_KEY_RELOAD_INTERVAL": timedelta(seconds={KEY_RELOAD_SECONDS}),
    "SIGN_IN_THROTTLE_RATE": "{CLIENT_LIMIT}/h",
    "SIGN_IN_ACCOUNT_THROTTLE_RATE": "{ACCOUNT_LIMIT}/h",
}}
"""


def refresh_of(tokens: dict[str, str]) -> dict[str, str]:
    """The mobile refresh and sign-out body for ``tokens``."""
    return {"refresh": tokens["refresh"]}


def credentials(username: str = USERNAME, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password}


@dataclass
class Deployment:
    """A baked project, migrated, with its users and its keys made in S3 by make_jwt_key."""

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

    def read(self, bucket: str, key: str) -> bytes:
        body: bytes = self.s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def object_keys(self, bucket: str) -> list[str]:
        listing = self.s3.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def verify(self, token: str, token_type: str) -> Any:
        """As a service holding the public key of the bucket verifies a token."""
        public_key = self.read(self.public_bucket, PUBLIC_KEY)
        claims = jwt.decode(token, public_key, [ALGORITHM], options={"require": ["exp", "jti"]})
        assert (claims["token_type"], claims["username"]) == (token_type, USERNAME)
        return claims


@pytest.fixture(scope="module")
def deployment(
    cookies_session: Any,
    project_python: str,
    postgres: Any,  # noqa: F811
    s3: S3Server,  # noqa: F811
    redis: RedisServer,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Deployment:
    project = bake(cookies_session, **NON_DEFAULT_PATHS, database="postgresql", key_storage="s3")
    (project / "config" / "settings" / "many_instances.py").write_text(SETTINGS)
    keys = s3.key_storage_env("auth/signing", "auth/verifying")
    env = loopback_production_env(
        DJANGO_SETTINGS_MODULE="config.settings.many_instances",
        DATABASE_URL=postgres.create_database("many_instances"),
        REDIS_URL=redis.url,
        DJANGO_NUM_PROXIES="1",
        **keys,
    )
    logs = tmp_path_factory.mktemp("gunicorn")
    buckets = keys["JWT_PRIVATE_KEY_BUCKET"], keys["JWT_PUBLIC_KEY_BUCKET"]
    site = Deployment(project, project_python, env, s3, *buckets, logs)
    # A first deploy: the keys first (the system checks of the other commands look for them),
    # the static files that WhiteNoise serves, the database, the users.
    site.make_jwt_key_output = site.manage("make_jwt_key")
    site.manage("collectstatic", "--noinput", "--verbosity", "0")
    site.manage("migrate", "--verbosity", "0")
    site.manage(*create_users_command(PASSWORD, USERNAME, SPRAYED))
    return site


@dataclass
class Instance:
    """One gunicorn app server (a master and its workers) and where it logs."""

    client: Client
    log: Path


@contextmanager
def instances(deployment: Deployment, env: dict[str, str], *names: str) -> Iterator[list[Instance]]:
    """Instances of the deployment started with ``env``, each named for its log."""
    processes, started = [], []
    try:
        for name in names:
            log = deployment.logs / f"{name}.log"
            command = gunicorn(2)
            process, port = start_server(deployment.project, deployment.python, env, command, log)
            processes.append(process)
            started.append(Instance(Client(port), log))
        yield started
    finally:
        for process in processes:
            stop(process)


@pytest.fixture(scope="module")
def cluster(deployment: Deployment) -> Iterator[tuple[Instance, Instance]]:
    """Two instances of the deployment, running side by side."""
    with instances(deployment, deployment.env, "first", "second") as pair:
        yield pair[0], pair[1]


def test_make_jwt_key_writes_the_keys_to_s3_and_only_there(deployment: Deployment) -> None:
    assert "storages.backends.s3.S3Storage" in deployment.make_jwt_key_output
    assert deployment.object_keys(deployment.private_bucket) == [PRIVATE_KEY]
    assert deployment.object_keys(deployment.public_bucket) == [PUBLIC_KEY]
    public_pem = deployment.read(deployment.public_bucket, PUBLIC_KEY)
    assert_key_pair(deployment.read(deployment.private_bucket, PRIVATE_KEY), public_pem, ALGORITHM)
    # A new pair: not the development key files the post-generation hook left in the project.
    assert public_pem != (deployment.project / "jwt-signing.pub").read_bytes()

    # The private key object is not public: no grant to everyone, and no anonymous read.
    acl = deployment.s3.client().get_object_acl(Bucket=deployment.private_bucket, Key=PRIVATE_KEY)
    grantees = {grant["Grantee"].get("URI", "") for grant in acl["Grants"]}
    assert not {uri for uri in grantees if uri.endswith(("/AllUsers", "/AuthenticatedUsers"))}
    anonymous_url = f"{deployment.s3.endpoint_url}/{deployment.private_bucket}/{PRIVATE_KEY}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous_url, timeout=30)
    assert refused.value.code == 403

    # make_jwt_key again changes nothing: it finds the keys in S3.
    assert "nothing changed" in deployment.manage("make_jwt_key")


def test_tokens_cookies_and_sign_outs_carry_from_one_instance_to_the_other(
    deployment: Deployment, cluster: tuple[Instance, Instance]
) -> None:
    first, second = (instance.client for instance in cluster)
    for client in (first, second):
        assert client.request("GET", f"{API}/health")[::2] == (200, {"status": "ok"})
        # The docs page's static files: collected, and served by WhiteNoise.
        assert client.request("GET", f"{API}/docs").status == 200

    # Mobile: sign in on the first, signed with the private key in S3; the second verifies and
    # refreshes.
    status, _, tokens = first.request("POST", f"{MOBILE}/sign-in", credentials())
    assert status == 200, tokens
    deployment.verify(tokens["access"], "access")
    deployment.verify(tokens["refresh"], "refresh")
    status, _, me = second.request("GET", f"{API}/me", headers=bearer(tokens["access"]))
    assert (status, me["username"]) == (200, USERNAME)
    status, _, refreshed = second.request("POST", f"{MOBILE}/token-refresh", refresh_of(tokens))
    assert status == 200, refreshed
    assert first.request("GET", f"{API}/me", headers=bearer(refreshed["access"])).status == 200

    # Web: sign in on the first; the refresh cookie works on the second. It is Secure in
    # production, so this client sends it itself over the test's plain http.
    status, headers, body = first.request("POST", f"{WEB}/sign-in", credentials())
    assert status == 200, body
    cookie = refresh_cookie(headers, COOKIE)
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Strict")
    assert cookie["path"] == WEB
    deployment.verify(cookie.value, "refresh")
    cookie_header = {"Cookie": f"{COOKIE}={cookie.value}"}
    status, _, refreshed = second.request("POST", f"{WEB}/token-refresh", headers=cookie_header)
    assert status == 200, refreshed
    assert first.request("GET", f"{API}/me", headers=bearer(refreshed["access"])).status == 200
    status, headers, _ = second.request("POST", f"{WEB}/sign-out", headers=cookie_header)
    assert status == 204
    deleted = refresh_cookie(headers, COOKIE)
    assert (deleted.value, deleted["path"], deleted["max-age"]) == ("", WEB, "0")
    # Signed out on the second, the session is refused on the first.
    assert first.request("POST", f"{WEB}/token-refresh", headers=cookie_header).status == 401

    for client in (first, second):
        for headers in ({}, bearer("not-a-token"), bearer(tokens["refresh"])):
            status, response_headers, body = client.request("GET", f"{API}/me", headers=headers)
            assert status == 401
            assert response_headers["Content-Type"].startswith("application/json")
            assert "detail" in body

    # Both publish the same keys, read from the public bucket.
    jwk_sets = [client.request("GET", "/.well-known/jwks.json").body for client in (first, second)]
    assert jwk_sets[0] == jwk_sets[1]
    assert [key["kid"] for key in jwk_sets[0]["keys"]] == [kid_of(tokens["access"])]


def test_a_rotation_reaches_every_running_process_and_signs_nobody_out(
    deployment: Deployment, cluster: tuple[Instance, Instance]
) -> None:
    """No process is restarted, nor shown a token of the new key: the reload interval alone
    brings the new key to the four workers."""
    first, second = (instance.client for instance in cluster)
    status, _, before = first.request(
        "POST", f"{MOBILE}/sign-in", credentials(), from_new_address()
    )
    assert status == 200, before
    status, headers, _ = second.request("POST", f"{WEB}/sign-in", credentials(), from_new_address())
    assert status == 200
    cookie_before = {"Cookie": f"{COOKIE}={refresh_cookie(headers, COOKIE).value}"}
    old_kid = kid_of(before["access"])

    assert old_kid in deployment.manage("make_jwt_key", "--rotate")
    assert PREVIOUS_KEYS in deployment.object_keys(deployment.public_bucket)

    # Refreshes (no password to hash) on new connections, so on any worker, until the interval
    # has passed, after which every worker re-reads the keys at its next request, and a round
    # of them answers with the new key only. The wait is bounded by the interval plus
    # RELOAD_TOLERANCE_SECONDS; it ends as soon as both hold.
    rotated_at = time.monotonic()
    deadline = rotated_at + KEY_RELOAD_SECONDS + RELOAD_TOLERANCE_SECONDS
    chain = refresh_of(before)
    while True:
        kids = set()
        for client in (first, second) * 4:
            status, _, refreshed = client.request("POST", f"{MOBILE}/token-refresh", chain)
            assert status == 200, refreshed
            chain = refresh_of(refreshed)
            kids.add(kid_of(refreshed["access"]))
        if old_kid not in kids and time.monotonic() > rotated_at + KEY_RELOAD_SECONDS:
            break
        assert time.monotonic() < deadline, "a running process never took up the new key"
        time.sleep(0.5)
    [new_kid] = kids

    # Nobody is signed out: tokens and cookies from before the rotation work everywhere.
    for client in (first, second):
        assert client.request("GET", f"{API}/me", headers=bearer(before["access"])).status == 200
        status, _, jwk_set = client.request("GET", "/.well-known/jwks.json")
        assert {key["kid"] for key in jwk_set["keys"]} == {old_kid, new_kid}
    status, _, refreshed = first.request("POST", f"{WEB}/token-refresh", headers=cookie_before)
    assert status == 200, refreshed
    assert kid_of(refreshed["access"]) == new_kid
    deployment.verify(refreshed["access"], "access")  # the new public key, in the bucket

    # Another service, with only a JWK Set URL, verifies tokens of either key.
    jwks = jwt.PyJWKClient(f"{second.base_url}/.well-known/jwks.json", cache_keys=False)
    for token, kid in ((before["access"], old_kid), (refreshed["access"], new_kid)):
        signing_key = jwks.get_signing_key_from_jwt(token)
        assert signing_key.key_id == kid
        assert jwt.decode(token, signing_key.key, [ALGORITHM])["username"] == USERNAME


# --- Sign-in limits, counted across all four processes ---


def sign_in_everywhere(
    clients: list[Client], bodies: list[dict[str, str]], same_address: bool
) -> list[int]:
    """POST the bodies to the mobile sign-in at once, alternating instances, from one client
    address or from one new address each; the statuses."""
    shared = from_new_address()
    headers = [shared if same_address else from_new_address() for _ in bodies]
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(
            pool.map(
                lambda n: clients[n % 2].request(
                    "POST", f"{MOBILE}/sign-in", bodies[n], headers[n]
                )[0],
                range(len(bodies)),
            )
        )


def assert_limited(statuses: list[int], limit: int) -> None:
    """Every answer a refusal, and at most ``limit`` (plus one in flight) got past the limit."""
    assert set(statuses) <= {401, 429}, statuses
    assert len([status for status in statuses if status != 429]) <= limit + 1, statuses


@pytest.mark.parametrize("cache", ["redis", "database"])
def test_the_per_client_limit_holds_across_every_process(
    deployment: Deployment, cluster: tuple[Instance, Instance], cache: str
) -> None:
    """30 wrong passwords at once from one client, for 30 accounts, over 2 x 2 workers. Without
    REDIS_URL, production counts in a database table that every process shares."""
    bodies = [credentials(f"nobody-{n}", "wrong") for n in range(30)]
    if cache == "redis":
        statuses = sign_in_everywhere([instance.client for instance in cluster], bodies, True)
    else:
        env = {name: value for name, value in deployment.env.items() if name != "REDIS_URL"}
        run([deployment.python, "manage.py", "createcachetable"], deployment.project, env=env)
        with instances(deployment, env, "database-cache-1", "database-cache-2") as started:
            statuses = sign_in_everywhere([instance.client for instance in started], bodies, True)
    assert_limited(statuses, CLIENT_LIMIT)


def test_the_per_account_limit_holds_against_many_clients(
    cluster: tuple[Instance, Instance],
) -> None:
    """Password spraying: 30 clients, one wrong password each, for one account."""
    bodies = [credentials(SPRAYED, f"guess {n}") for n in range(30)]
    assert_limited(sign_in_everywhere([i.client for i in cluster], bodies, False), ACCOUNT_LIMIT)
    # The right password waits too while the window is full: guessing cannot go on.
    status, headers, _ = cluster[0].client.request(
        "POST", f"{MOBILE}/sign-in", credentials(SPRAYED), from_new_address()
    )
    assert status == 429
    assert 0 < int(headers["Retry-After"]) <= 60 * 60


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
                "POST", f"{MOBILE}/sign-in", credentials(), from_new_address()
            )
            assert status == 200, tokens
            answer = client.request("POST", f"{MOBILE}/token-refresh", refresh_of(tokens))
            assert answer.status == 200
        assert any("throttle not counted" in log_tail(instance.log) for instance in cluster)
    finally:
        redis.start()


def test_with_the_database_gone_refresh_is_a_json_503(
    deployment: Deployment,
    cluster: tuple[Instance, Instance],
    postgres: Any,  # noqa: F811
) -> None:
    first = cluster[0].client
    status, _, tokens = first.request(
        "POST", f"{MOBILE}/sign-in", credentials(), from_new_address()
    )
    assert status == 200, tokens
    database = deployment.env["DATABASE_URL"].rsplit("/", 1)[1]
    postgres.psql("postgres", f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
    try:
        postgres.psql(
            "postgres",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()",
        )
        answer = first.request("POST", f"{MOBILE}/token-refresh", refresh_of(tokens))
        assert answer[::2] == (503, {"detail": "The database is unavailable; try again shortly."})
    finally:
        postgres.psql("postgres", f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
    status, _, body = first.request("POST", f"{MOBILE}/token-refresh", refresh_of(tokens))
    assert status == 200, body
