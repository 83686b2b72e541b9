"""Real servers for the template's tests, started on loopback and stopped again.

PostgreSQL and Redis come from Debian's `postgresql` and `redis-server` packages (.ci/run
installs them); the S3-compatible server is moto's standalone mode, from requirements/tests.txt.
Each pytest-xdist worker starts its own servers (PostgreSQL in a temporary folder, moto and Redis
in memory), so workers never share state.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import free_port, start_server, stop, wait_for_port


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL server's bin folder."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parent.parent.name),
    )
    if not candidates:
        pytest.fail("PostgreSQL server not found: apt-get install postgresql (.ci/run does)")
    return candidates[-1].parent


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str
    bin_dir: Path

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def psql(self, database: str, sql: str) -> None:
        """Run SQL as the superuser (e.g. to cut a database off, then let it back)."""
        connect = ("-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database)
        command = [self.bin_dir / "psql", *connect, "-v", "ON_ERROR_STOP=1", "-c", sql]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def create_database(self, name: str) -> str:
        self.psql("postgres", f"CREATE DATABASE {name}")
        return self.url(name)


def run_as(
    user: str | None, command: list[str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """initdb and postgres refuse to run as root: as root, run them as the `postgres` user."""
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bin_dir = postgres_bin_dir()
    as_user = "postgres" if os.geteuid() == 0 else None
    # Not under pytest's temporary folder: that one is private to root, and the server may not be.
    root = Path(tempfile.mkdtemp(prefix="template-tests-postgres-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if as_user is not None:
        account = pwd.getpwnam(as_user)
        for path in (root, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
    user = "template_tests"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8"]
    run_as(as_user, initdb, timeout=120)
    port = free_port()
    # fsync off: throw-away data, speed over durability. -w waits until it accepts connections.
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = str(bin_dir / "pg_ctl")
    start = [pg_ctl, "start", "-w", "-t", "60", "-D", str(data), "-l", str(root / "log")]
    run_as(as_user, [*start, "-o", options], timeout=90)
    try:
        yield PostgresServer(port=port, user=user, bin_dir=bin_dir)
    finally:
        run_as(as_user, [pg_ctl, "stop", "-m", "immediate", "-D", str(data)], timeout=60)
        shutil.rmtree(root, ignore_errors=True)


# --- S3: moto's standalone server ---

# moto accepts any credentials; these keep boto3 away from a developer's own AWS setup.
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "template-tests",
    "AWS_SECRET_ACCESS_KEY": "template-tests-secret",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
S3_REGION = "eu-west-1"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def client(self) -> Any:
        import boto3  # the template's test environment has it (requirements/tests.txt)

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=S3_REGION,
            aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def key_storage_env(self, private_prefix: str = "", public_prefix: str = "") -> dict[str, str]:
        """Two new, empty, private buckets for the keys, and what a baked s3 project's production
        settings read to keep them there."""
        private, public = (f"jwt-keys-{secrets.token_hex(6)}" for _ in range(2))
        for bucket in (private, public):
            location = {"LocationConstraint": S3_REGION}
            self.client().create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
        return {
            **S3_CREDENTIALS,
            "JWT_PRIVATE_KEY_BUCKET": private,
            "JWT_PRIVATE_KEY_PREFIX": private_prefix,
            "JWT_PUBLIC_KEY_BUCKET": public,
            "JWT_PUBLIC_KEY_PREFIX": public_prefix,
            "JWT_KEYS_S3_ENDPOINT_URL": self.endpoint_url,
            "JWT_KEYS_S3_REGION": S3_REGION,
        }


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """An S3-compatible server on loopback (moto's standalone mode), one per test worker."""
    log = tmp_path_factory.mktemp("moto") / "server.log"
    env = {**os.environ, **S3_CREDENTIALS}
    moto = ["-m", "moto.server", "-H", "127.0.0.1", "-p"]
    process, port = start_server(
        log.parent, sys.executable, env, lambda port: [*moto, str(port)], log
    )
    try:
        yield S3Server(endpoint_url=f"http://127.0.0.1:{port}")
    finally:
        stop(process)


# --- Redis: Debian's redis-server ---


class RedisServer:
    """A redis-server on a loopback port, in memory only; ``stop`` and ``start`` it to test
    what the application does while it is gone."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server not found: apt-get install redis-server (.ci/run does)")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", tempfile.gettempdir()]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
