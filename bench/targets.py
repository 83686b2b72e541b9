"""The benchmark's targets and their servers: baking, the peer projects, gunicorn, HTTP calls.

A target is one project served under gunicorn: our baked project (RS256, and once more with
EdDSA), or a copy of a peer project of bench/projects/. Each has its own folder, database, keys
and benchmark user, whose password is hashed with the target's own default hasher (ours:
Argon2id as generated; the peers: Django's default, PBKDF2-SHA256). The server helpers
``free_port``, ``wait_for_port`` and ``stop`` are the tests' (tests/conftest.py).
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from loadgen import CHAINS_TO_SPARE, LoadResult

REPOSITORY: Final = Path(__file__).resolve().parent.parent
BENCH: Final = REPOSITORY / "bench"
PROJECTS: Final = BENCH / "projects"
WORK: Final = REPOSITORY / ".bench"
DOCS: Final = REPOSITORY / "docs"

USERNAME: Final = "bench"
PASSWORD: Final = "benchmark-only-password"
WORKERS: Final = 2
CONNECTIONS: Final = 4
# Sign-in keeps both workers busy hashing with one connection each; a connection more per worker
# would only queue (Little's law: p50 = connections / rate), doubling every latency by waiting.
SIGN_IN_CONNECTIONS: Final = WORKERS
# Access tokens cycled by the "/me, distinct tokens" load: more than a worker's cache of verified
# tokens holds (1,024 in ninja_simple_jwt/tokens.py), so every use is a first use there.
DISTINCT_TOKENS: Final = 3000

# "me" sends one access token; "me-distinct" cycles DISTINCT_TOKENS of them; "me-cycled" is the
# control of the two: one token, sent through the generator's cycling code. "refresh" replays
# one refresh token (targets whose refresh tokens do not rotate); "rotate" is the refresh of
# targets that rotate them, each request sending a current token of a chain. A target's paths
# say which endpoints it serves.
ENDPOINTS: Final = ("open", "me", "me-cycled", "me-distinct", "refresh", "rotate", "sign-in")
ENDPOINT_LABELS: Final = {
    "open": "open endpoint",
    "me": "/me, one token",
    "me-cycled": "/me, one token cycled",
    "me-distinct": f"/me, {DISTINCT_TOKENS:,} distinct tokens",
    "refresh": "token refresh",
    "rotate": "refresh, rotating",
    "sign-in": "sign-in",
}


def _conftest() -> ModuleType:
    """tests/conftest.py, for its server helpers (it imports pytest, which bench installs)."""
    spec = importlib.util.spec_from_file_location(
        "bench_tests_conftest", REPOSITORY / "tests" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_tests: Final = _conftest()
free_port = _tests.free_port
wait_for_port = _tests.wait_for_port
stop_process = _tests.stop


@dataclass
class Target:
    key: str
    label: str
    folder: Path
    python: str
    settings_module: str
    wsgi: str
    paths: dict[str, str]
    make_keys: str | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    access: str = ""
    refresh: str = ""
    distinct_access: tuple[str, ...] = ()
    warm_ups: dict[str, LoadResult] = field(default_factory=dict)
    runs: dict[str, list[LoadResult]] = field(default_factory=dict)
    # endpoint -> loadruns.Cell: the best round, and every round's failures
    results: dict[str, Any] = field(default_factory=dict)

    def url(self, endpoint: str) -> str:
        return f"http://127.0.0.1:{self.port}{self.paths[endpoint]}"

    @property
    def endpoints(self) -> list[str]:
        """The endpoints this target serves, in ENDPOINTS' order."""
        return [endpoint for endpoint in ENDPOINTS if endpoint in self.paths]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(self.folder),
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "PYTHONDONTWRITEBYTECODE": "1",
        }


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> str:
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"bench: failed ({completed.returncode}): {' '.join(command)}\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    return completed.stdout


# --- generating projects -------------------------------------------------------------------


def bake(output: Path, *answers: str) -> Path:
    """Bake the template into ``output`` with the defaults (and ``answers``); the project folder."""
    output.mkdir(parents=True)
    cookiecutter = str(Path(sys.executable).parent / "cookiecutter")
    run(
        [cookiecutter, "--no-input", str(REPOSITORY), "--output-dir", str(output), *answers],
        cwd=output,
    )
    (project,) = (path for path in output.iterdir() if path.is_dir())
    return project


def time_bakes(count: int) -> list[float]:
    durations = []
    for index in range(count):
        started = time.perf_counter()
        bake(WORK / "bakes" / str(index))
        durations.append(time.perf_counter() - started)
    return durations


def check_dependencies(project: Path) -> list[str]:
    """The baked project's dependencies that this environment does not satisfy."""
    from packaging.requirements import Requirement

    declared = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    problems = []
    for line in declared:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            problems.append(f"{requirement} (installed {installed})")
    return problems


# --- targets ---------------------------------------------------------------------------------

OURS_PATHS: Final = {
    "open": "/api/health",
    "me": "/api/me",
    "me-cycled": "/api/me",
    "me-distinct": "/api/me",
    # The generated default: refresh token rotation (sign_in() checks it is on).
    "rotate": "/api/auth/mobile/token-refresh",
    "sign-in": "/api/auth/mobile/sign-in",
}
SIMPLE_PATHS: Final = {
    "open": "/api/ping",
    "me": "/api/me",
    "refresh": "/api/auth/mobile/token-refresh",
    "sign-in": "/api/auth/mobile/sign-in",
}
NINJA_PATHS: Final = {
    "open": "/api/ping",
    "me": "/api/me",
    "refresh": "/api/token/refresh",
    "sign-in": "/api/token/pair",
}


def our_target(key: str, label: str, project: Path) -> Target:
    shutil.copy(PROJECTS / "ours_settings.py", project / "config" / "settings" / "benchmark.py")
    shutil.copy(PROJECTS / "benchmark_only.py", project / "benchmark_only.py")
    # WhiteNoise warns at start-up when STATIC_ROOT is missing; collectstatic is not needed here.
    (project / "staticfiles").mkdir(exist_ok=True)
    return Target(
        key=key,
        label=label,
        folder=project,
        python=sys.executable,
        settings_module="config.settings.benchmark",
        wsgi="config.wsgi:application",
        paths=dict(OURS_PATHS),
        make_keys="make_rsa",  # keeps the hook's keys; makes them if the hook could not
    )


def peer_target(
    key: str,
    label: str,
    package: str,
    peers_python: str,
    paths: dict[str, str],
    make_keys: str | None,
    settings: str = "settings",
) -> Target:
    """A copy of bench/projects/<package> in a folder of its own (and so its own database)."""
    folder = WORK / key
    shutil.copytree(PROJECTS / package, folder)
    shutil.copy(PROJECTS / "benchmark_only.py", folder / "benchmark_only.py")
    return Target(
        key=key,
        label=label,
        folder=folder,
        python=peers_python,
        settings_module=f"{package}.{settings}",
        wsgi=f"{package}.wsgi:application",
        paths=paths,
        make_keys=make_keys,
    )


def build_targets(peers_python: str) -> list[Target]:
    """Bake ours twice (RS256 as generated, EdDSA) and copy the three peer projects."""
    ours_project = bake(WORK / "ours-rs256")
    eddsa_project = bake(WORK / "ours-eddsa", "jwt_algorithm=EdDSA")
    for problem in check_dependencies(ours_project):
        log(f"WARNING: the bench environment does not match the baked project: {problem}")
    rotating_ninja = {name: path for name, path in NINJA_PATHS.items() if name != "refresh"} | {
        "rotate": NINJA_PATHS["refresh"]
    }
    return [
        our_target("ours-rs256", "ours (RS256)", ours_project),
        our_target("ours-eddsa", "ours (EdDSA)", eddsa_project),
        peer_target(
            "simple-jwt",
            "django-ninja-simple-jwt (RS256)",
            "simple_jwt_project",
            peers_python,
            dict(SIMPLE_PATHS),
            "make_jwt_key",
        ),
        peer_target(
            "ninja-jwt",
            "django-ninja-jwt (HS256)",
            "ninja_jwt_project",
            peers_python,
            dict(NINJA_PATHS),
            None,
        ),
        peer_target(
            "ninja-jwt-rotation",
            "django-ninja-jwt (HS256, rotation + blacklist)",
            "ninja_jwt_project",
            peers_python,
            rotating_ninja,
            None,
            settings="settings_rotation",
        ),
    ]


def prepare(target: Target) -> None:
    """Keys, migrations and the benchmark user (one password hash, with the target's hasher)."""
    command = [
        target.python,
        str(PROJECTS / "setup_target.py"),
        "--username",
        USERNAME,
        "--password",
        PASSWORD,
    ]
    if target.make_keys:
        command += ["--make-keys", target.make_keys]
    run(command, cwd=target.folder, env=target.environment())


# --- servers ---------------------------------------------------------------------------------


def start(target: Target) -> None:
    target.port = free_port()
    command = [
        target.python,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{target.port}",
        "--chdir",
        str(target.folder),
        "--pythonpath",
        str(target.folder),
        "--log-level",
        "warning",
        "--graceful-timeout",
        "5",
        # Several servers at once: no shared control socket in the home folder.
        "--no-control-socket",
        target.wsgi,
    ]
    # Gunicorn's and Django's logs (both on stderr) go to one file per target.
    with (WORK / f"{target.key}.log").open("wb") as output:
        # A session of its own, so stop() can also end workers the master left behind.
        target.process = subprocess.Popen(
            command,
            cwd=target.folder,
            env=target.environment(),
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop(target: Target) -> None:
    """The tests' stop() (SIGTERM to the gunicorn master, which stops its workers), then a
    SIGKILL to what is left of this server's own process group, if anything."""
    process = target.process
    if process is None:
        return
    stop_process(process)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def call(
    target: Target,
    method: str,
    endpoint: str,
    body: dict[str, str] | None = None,
    authorization: str = "",
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if authorization:
        headers["Authorization"] = authorization
    try:
        connection.request(
            method,
            target.paths[endpoint],
            body=json.dumps(body) if body is not None else None,
            headers=headers,
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_serving(target: Target, timeout: float = 60) -> None:
    """The port listens (the tests' wait_for_port), then the open endpoint answers 200."""
    assert target.process is not None
    log_file = WORK / f"{target.key}.log"
    deadline = time.monotonic() + timeout
    answer = "no answer"
    try:
        wait_for_port(target.port, target.process, timeout)
        while time.monotonic() < deadline and target.process.poll() is None:
            try:
                status, body = call(target, "GET", "open")
                if status == 200:
                    return
                answer = f"{status} {body[:200]!r}"
            except OSError as exc:
                answer = str(exc)
            time.sleep(0.2)
    except AssertionError as exc:
        answer = str(exc)
    raise SystemExit(
        f"bench: {target.label} did not start ({answer}); its log:\n{log_file.read_text()}"
    )


@contextmanager
def serving(targets: list[Target]) -> Iterator[None]:
    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        for target in targets:
            start(target)
        for target in targets:
            wait_until_serving(target)
        yield
    finally:
        for target in targets:
            stop(target)
        signal.signal(signal.SIGTERM, previous)


# --- sessions and tokens -----------------------------------------------------------------------


def new_session(target: Target) -> dict[str, str]:
    """Sign in once: a new session's tokens, {"access": ..., "refresh": ...}."""
    status, body = call(target, "POST", "sign-in", {"username": USERNAME, "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"bench: {target.label} sign-in answered {status}: {body!r}")
    tokens: dict[str, str] = json.loads(body)
    return tokens


def refresh_answer(target: Target, endpoint: str, refresh: str) -> dict[str, Any]:
    status, body = call(target, "POST", endpoint, {"refresh": refresh})
    if status != 200:
        raise SystemExit(f"bench: {target.label} {endpoint} answered {status}: {body!r}")
    answer: dict[str, Any] = json.loads(body)
    return answer


def sign_in(target: Target) -> None:
    """Get the tokens that the /me and refresh loads send; check each endpoint answers 200.

    And check the target's refresh does what its load assumes: a replayed refresh token keeps
    working where tokens do not rotate; where they rotate, each answer brings a new refresh
    token, and that one works in turn.
    """
    tokens = new_session(target)
    target.access, target.refresh = tokens["access"], tokens["refresh"]
    status, body = call(target, "GET", "me", authorization=f"Bearer {target.access}")
    if status != 200:
        raise SystemExit(f"bench: {target.label} me answered {status}: {body!r}")
    if "refresh" in target.paths:
        for _ in range(2):
            answer = refresh_answer(target, "refresh", target.refresh)
            if answer.get("refresh", target.refresh) != target.refresh:
                raise SystemExit(f"bench: {target.label} rotates refresh tokens: not 'refresh'")
    if "rotate" in target.paths:
        refresh = new_session(target)["refresh"]
        for _ in range(2):
            rotated = refresh_answer(target, "rotate", refresh).get("refresh")
            if not isinstance(rotated, str) or rotated == refresh:
                raise SystemExit(f"bench: {target.label} does not rotate refresh tokens")
            refresh = rotated


def refresh_chains(target: Target) -> tuple[str, ...]:
    """The first refresh tokens of a rotating load: a new session per connection (and one more).

    New for every load: the chains of the load before may have stopped with a request in
    flight, whose answer (the session's next token) the load generator never read.
    """
    return tuple(new_session(target)["refresh"] for _ in range(CONNECTIONS + CHAINS_TO_SPARE))


def distinct_access_tokens(target: Target, count: int = DISTINCT_TOKENS) -> tuple[str, ...]:
    """``count`` distinct, valid access tokens of the benchmark user, from the server itself.

    One sign-in per connection, then each session's refresh tokens one after the other (the
    normal rotation): every answer brings a new access token. All must be distinct, and the
    last one is checked on /me.
    """
    chains = CONNECTIONS
    per_chain = -(-count // chains)
    collected: list[list[str]] = [[] for _ in range(chains)]
    failures: list[BaseException] = []

    def chain(index: int) -> None:
        try:
            tokens = new_session(target)
            collected[index].append(tokens["access"])
            refresh = tokens["refresh"]
            while len(collected[index]) < per_chain:
                answer = refresh_answer(target, "rotate", refresh)
                collected[index].append(answer["access"])
                refresh = answer["refresh"]
        except BaseException as exc:  # re-raised in the calling thread
            failures.append(exc)

    threads = [threading.Thread(target=chain, args=(index,)) for index in range(chains)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    tokens = tuple(token for tokens in collected for token in tokens)[:count]
    if len(set(tokens)) != count:
        raise SystemExit(f"bench: {target.label} answered {count - len(set(tokens))} repeats")
    status, body = call(target, "GET", "me-distinct", authorization=f"Bearer {tokens[-1]}")
    if status != 200:
        raise SystemExit(f"bench: {target.label} me with a fresh token answered {status}: {body!r}")
    return tokens
