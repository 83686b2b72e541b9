"""bench/run.sh's driver, run by the Python of the cached "ours" environment.

1. Times N bakes of the template with the default answers (cookiecutter and hooks, keys included).
2. Bakes the targets: our project as generated (RS256, refresh token rotation on) and once more
   with EdDSA; writes the peer projects from bench/projects/ (django-ninja-simple-jwt, and
   django-ninja-jwt twice: as its defaults, and with rotation and blacklisting); gives each its
   benchmark-only settings, a key pair, a database (migrated: our sessions, their blacklist)
   and the benchmark user.
3. Runs bench/micro.py in our project: token verification and minting beside raw PyJWT.
4. Serves every target under gunicorn (2 sync workers, 127.0.0.1 only) at once and loads each
   endpoint in turn with a bounded load generator; then stops them all. A target's token
   refresh is either the same refresh token replayed (targets that do not rotate), or, where
   refresh tokens rotate, chains of fresh sessions: each request sends its session's current
   refresh token and the next one sends the token the answer brought (see bench/loadgen.py).
5. Prints the tables, the ratios and the issue's targets; writes docs/benchmark.md and
   docs/benchmark.png.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from loadgen import CHAINS_TO_SPARE, LoadResult, Request, load, wrk_available

REPOSITORY: Final = Path(__file__).resolve().parent.parent
BENCH: Final = REPOSITORY / "bench"
PROJECTS: Final = BENCH / "projects"
WORK: Final = REPOSITORY / ".bench"
DOCS: Final = REPOSITORY / "docs"

USERNAME: Final = "bench"
PASSWORD: Final = "benchmark-only-password"
WORKERS: Final = 2
CONNECTIONS: Final = 4
WARMUP_SECONDS: Final = 1

# "refresh" replays one refresh token (targets whose refresh tokens do not rotate); "rotate" is
# the refresh of targets that rotate them, each request sending a current token of a chain.
# A target serves one of the two: its paths say which.
ENDPOINTS: Final = ("open", "me", "refresh", "rotate", "sign-in")
ENDPOINT_LABELS: Final = {
    "open": "open endpoint",
    "me": "protected /me",
    "refresh": "token refresh",
    "rotate": "refresh, rotating",
    "sign-in": "sign-in",
}
COMMON_PACKAGES: Final = ("Django", "django-ninja", "PyJWT", "cryptography", "gunicorn", "pydantic")
PEER_PACKAGES: Final = ("django-ninja-simple-jwt", "django-ninja-jwt", "django-ninja-extra")


@dataclass(frozen=True)
class Cell:
    """One endpoint of one target over every round: the best round's speed, all rounds' failures.

    The best round, as for any benchmark on a shared machine: the other rounds only add the load
    of whatever else ran then. Errors and non-2xx answers count in every round.
    """

    best: LoadResult
    requests: int
    errors: int
    non2xx: int
    clean: bool

    @classmethod
    def of(cls, runs: list[LoadResult], warm_up: LoadResult) -> Cell:
        """The measured ``runs``; the warm-up's failures count too, its speed does not."""
        return cls(
            best=max(runs, key=lambda run: run.per_second),
            requests=sum(run.requests for run in runs),
            errors=sum(run.errors for run in (*runs, warm_up)),
            non2xx=sum(run.non2xx for run in (*runs, warm_up)),
            clean=all(run.clean for run in (*runs, warm_up)),
        )

    @property
    def per_second(self) -> float:
        return self.best.per_second

    @property
    def p50_ms(self) -> float:
        return self.best.p50_ms

    @property
    def p99_ms(self) -> float:
        return self.best.p99_ms


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
    warm_ups: dict[str, LoadResult] = field(default_factory=dict)
    runs: dict[str, list[LoadResult]] = field(default_factory=dict)
    results: dict[str, Cell] = field(default_factory=dict)

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


def cookiecutter_command() -> str:
    return str(Path(sys.executable).parent / "cookiecutter")


def bake(output: Path, *answers: str) -> Path:
    """Bake the template into ``output`` with the defaults (and ``answers``); the project folder."""
    output.mkdir(parents=True)
    run(
        [
            cookiecutter_command(),
            "--no-input",
            str(REPOSITORY),
            "--output-dir",
            str(output),
            *answers,
        ],
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
        paths={
            "open": "/api/health",
            "me": "/api/me",
            # The generated default: refresh token rotation (sign_in() checks it is on).
            "rotate": "/api/auth/mobile/token-refresh",
            "sign-in": "/api/auth/mobile/sign-in",
        },
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


def prepare(target: Target) -> None:
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


def without(paths: dict[str, str], endpoint: str) -> dict[str, str]:
    return {name: path for name, path in paths.items() if name != endpoint}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
        # Four servers at once: no shared control socket in the home folder.
        "--no-control-socket",
        target.wsgi,
    ]
    # Gunicorn's and Django's logs (both on stderr) go to one file per target.
    with (WORK / f"{target.key}.log").open("wb") as output:
        # A session of its own: stop() ends exactly this server and its workers, by process group.
        target.process = subprocess.Popen(
            command,
            cwd=target.folder,
            env=target.environment(),
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop(target: Target) -> None:
    process = target.process
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def call(
    target: Target,
    method: str,
    endpoint: str,
    body: dict[str, str] | None = None,
    authorization: str = "",
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
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
    deadline = time.monotonic() + timeout
    answer = "no answer"
    while time.monotonic() < deadline:
        assert target.process is not None
        if target.process.poll() is not None:
            break
        try:
            status, body = call(target, "GET", "open")
            if status == 200:
                return
            answer = f"{status} {body[:200]!r}"
        except OSError as exc:
            answer = str(exc)
        time.sleep(0.2)
    log_file = WORK / f"{target.key}.log"
    raise SystemExit(
        f"bench: {target.label} did not start ({answer}); its log:\n{log_file.read_text()}"
    )


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


def request_for(target: Target, endpoint: str) -> Request:
    if endpoint == "me":
        return Request(target.url("me"), authorization=f"Bearer {target.access}")
    if endpoint == "refresh":
        return Request(target.url("refresh"), "POST", json.dumps({"refresh": target.refresh}))
    if endpoint == "rotate":
        return Request(target.url("rotate"), "POST", refresh_tokens=refresh_chains(target))
    if endpoint == "sign-in":
        body = json.dumps({"username": USERNAME, "password": PASSWORD})
        return Request(target.url("sign-in"), "POST", body)
    return Request(target.url("open"))


def warm_up(target: Target, endpoint: str, generator: str) -> None:
    """A short load first: every worker imports lazily loaded code and reads its keys."""
    target.warm_ups[endpoint] = load(
        request_for(target, endpoint), WARMUP_SECONDS, CONNECTIONS, generator
    )


def measure(target: Target, endpoint: str, seconds: int, generator: str, round_: int) -> None:
    result = load(request_for(target, endpoint), seconds, CONNECTIONS, generator)
    target.runs.setdefault(endpoint, []).append(result)
    mark = "" if result.clean else f"  <-- {result.errors} errors, {result.non2xx} non-2xx"
    label = ENDPOINT_LABELS[endpoint]
    log(f"  {round_}  {target.label:<32} {label:<14} {result.per_second:>8.0f} req/s{mark}")


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


# --- versions and machine --------------------------------------------------------------------


def versions(peers_python: str) -> dict[str, str]:
    found = {"Python": platform.python_version()}
    for name in COMMON_PACKAGES:
        found[name] = metadata.version(name)
    names = list(PEER_PACKAGES + COMMON_PACKAGES)
    script = (
        "import json; from importlib import metadata; "
        f"print(json.dumps({{name: metadata.version(name) for name in {names!r}}}))"
    )
    peers = json.loads(run([peers_python, "-c", script], cwd=WORK))
    for name in COMMON_PACKAGES:
        if peers[name] != found[name]:
            found[name] += f" (peers: {peers[name]})"
    for name in PEER_PACKAGES:
        found[name] = peers[name]
    return found


def machine() -> dict[str, str]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": str(os.cpu_count()), "cpu": model, "system": platform.platform(terse=True)}


def wrk_version() -> str:
    completed = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"


# --- report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    goal: str
    passed: bool

    @property
    def mark(self) -> str:
        return "pass" if self.passed else "short"


def rate(target: Target, endpoint: str) -> float:
    return target.results[endpoint].per_second


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def evaluate(
    targets: dict[str, Target], micro: dict[str, dict[str, float]], bakes: list[float]
) -> list[Check]:
    ours, eddsa = targets["ours-rs256"], targets["ours-eddsa"]
    simple, ninja = targets["simple-jwt"], targets["ninja-jwt"]
    me_ratio = ratio(rate(ours, "me"), rate(ours, "open"))
    # Our refresh rotates (the generated default); these two peers' does not.
    refresh_simple = ratio(rate(ours, "rotate"), rate(simple, "refresh"))
    refresh_eddsa = ratio(rate(eddsa, "rotate"), rate(ninja, "refresh"))
    sign_in_simple = ratio(rate(ours, "sign-in"), rate(simple, "sign-in"))
    verify = micro["RS256"]["verify_app_us"] / micro["RS256"]["verify_pyjwt_us"]
    unclean = sum(
        1
        for target in targets.values()
        for endpoint, runs in target.runs.items()
        for run in (*runs, target.warm_ups[endpoint])
        if not run.clean
    )
    bake_median = statistics.median(bakes)
    return [
        Check("/me ÷ open endpoint, ours (RS256)", me_ratio, ">= 0.85", me_ratio >= 0.85),
        Check(
            "token refresh, ours RS256 (rotating) ÷ django-ninja-simple-jwt (cannot rotate)",
            refresh_simple,
            ">= 15x",
            refresh_simple >= 15,
        ),
        Check(
            "token refresh, ours EdDSA (rotating) ÷ django-ninja-jwt (HS256, not rotating)",
            refresh_eddsa,
            ">= 1x",
            refresh_eddsa >= 1,
        ),
        Check(
            "sign-in, ours RS256 ÷ django-ninja-simple-jwt",
            sign_in_simple,
            ">= 20x",
            sign_in_simple >= 20,
        ),
        Check(
            "one RS256 verification, app ÷ PyJWT decode (parsed key)",
            verify,
            "<= 1.0x",
            verify <= 1.0,
        ),
        Check("load runs with errors or non-2xx answers", unclean, "0", unclean == 0),
        Check("generating a project, median seconds", bake_median, "< 2 s", bake_median < 2),
    ]


def format_check_value(check: Check) -> str:
    if check.goal == "0":
        return f"{check.value:.0f}"
    if check.goal.endswith("s"):
        return f"{check.value:.2f} s"
    return f"{check.value:.2f}"


def results_rows(targets: dict[str, Target]) -> list[list[str]]:
    rows = []
    for target in targets.values():
        for endpoint in target.endpoints:
            result = target.results[endpoint]
            rows.append(
                [
                    target.label,
                    f"{ENDPOINT_LABELS[endpoint]} `{target.paths[endpoint]}`",
                    f"{result.per_second:,.0f}",
                    f"{result.p50_ms:.1f}",
                    f"{result.p99_ms:.1f}",
                    f"{result.requests:,}",
                    str(result.errors),
                    str(result.non2xx),
                ]
            )
    return rows


RESULT_HEADER: Final = [
    "target",
    "endpoint",
    "req/s",
    "p50 ms",
    "p99 ms",
    "requests",
    "errors",
    "non-2xx",
]


def ratio_rows(targets: dict[str, Target]) -> list[list[str]]:
    rows = [
        [target.label, "/me ÷ open", f"{ratio(rate(target, 'me'), rate(target, 'open')):.2f}"]
        for target in targets.values()
    ]
    for ours_key in ("ours-rs256", "ours-eddsa"):
        for peer_key in ("simple-jwt", "ninja-jwt", "ninja-jwt-rotation"):
            ours, peer = targets[ours_key], targets[peer_key]
            # Refresh beside refresh: like for like where both rotate; else said in the row.
            peer_refresh = "rotate" if "rotate" in peer.paths else "refresh"
            refresh_label = (
                ENDPOINT_LABELS["rotate"]
                if peer_refresh == "rotate"
                else "token refresh (ours rotating, theirs not)"
            )
            for label, ours_endpoint, peer_endpoint in (
                (refresh_label, "rotate", peer_refresh),
                (ENDPOINT_LABELS["sign-in"], "sign-in", "sign-in"),
            ):
                rows.append(
                    [
                        f"{ours.label} ÷ {peer.label}",
                        label,
                        f"{ratio(rate(ours, ours_endpoint), rate(peer, peer_endpoint)):.1f}x",
                    ]
                )
    return rows


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append(
            "  ".join(
                cell.rjust(width) if index >= 2 else cell.ljust(width)
                for index, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def markdown_table(header: list[str], rows: list[list[str]], numeric_from: int = 2) -> str:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append(
        "| "
        + " | ".join("---:" if index >= numeric_from else "---" for index in range(len(header)))
        + " |"
    )
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


MICRO_HEADER: Final = [
    "algorithm",
    "verify: app, first use",
    "app, reuse",
    "PyJWT decode",
    "signature only",
    "app ÷ PyJWT",
    "HttpJwtAuth",
    "mint: app",
    "PyJWT encode",
    "signature only",
    "app ÷ PyJWT",
]


def micro_rows(micro: dict[str, dict[str, float]]) -> list[list[str]]:
    return [
        [
            algorithm,
            f"{row['verify_app_us']:.1f}",
            f"{row['verify_app_reuse_us']:.1f}",
            f"{row['verify_pyjwt_us']:.1f}",
            f"{row['verify_signature_us']:.1f}",
            f"{row['verify_app_us'] / row['verify_pyjwt_us']:.2f}",
            f"{row['auth_class_us']:.1f}",
            f"{row['mint_app_us']:.1f}",
            f"{row['mint_pyjwt_us']:.1f}",
            f"{row['mint_signature_us']:.1f}",
            f"{row['mint_app_us'] / row['mint_pyjwt_us']:.2f}",
        ]
        for algorithm, row in micro.items()
    ]


def bounds_paragraph(micro: dict[str, dict[str, float]]) -> str:
    """What bounds one RS256 verification, in this run's numbers."""
    row = micro["RS256"]
    app, pyjwt, signature = row["verify_app_us"], row["verify_pyjwt_us"], row["verify_signature_us"]
    reuse = row["verify_app_reuse_us"]
    return (
        f"What bounds one RS256 verification: the RSA signature check in OpenSSL"
        f" ({signature:.0f} µs here) is the hard floor for a token seen for the first time."
        f" PyJWT's `jwt.decode` adds {pyjwt - signature:.0f} µs of its own (splitting and"
        f" checking every segment, JSON, claim checks), {pyjwt:.0f} µs in all. The app's"
        f" `verify_token` on a token it has not seen: {app:.0f} µs, {app / pyjwt:.2f}x PyJWT's"
        f" decode, {app - pyjwt:+.0f} µs (what it checks beyond the signature is in"
        " `ninja_simple_jwt/tokens.py`). A token the process has already verified skips the"
        " signature check (whether its key is still trusted, its expiry and its type are"
        f" checked again): {reuse:.0f} µs."
    )


def check_rows(checks: list[Check]) -> list[list[str]]:
    return [[check.name, check.goal, format_check_value(check), check.mark] for check in checks]


def chart(targets: dict[str, Target], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(15, 5.6))
    colours = ["#1b7f3b", "#6fbf73", "#c0504d", "#4f81bd", "#8064a2", "#f79646"]
    colour = {key: colours[index % len(colours)] for index, key in enumerate(targets)}
    positions = range(len(ENDPOINTS))
    for position, endpoint in zip(positions, ENDPOINTS, strict=True):
        # Only the targets that serve this endpoint, side by side around its tick.
        serving_targets = [target for target in targets.values() if endpoint in target.paths]
        width = 0.8 / max(len(serving_targets), 1)
        for index, target in enumerate(serving_targets):
            offset = position + (index - (len(serving_targets) - 1) / 2) * width
            value = rate(target, endpoint)
            bars = throughput.bar(
                offset, value, width, color=colour[target.key], label=target.label
            )
            throughput.bar_label(bars, labels=[f"{value:,.0f}"], fontsize=7, padding=1, rotation=90)
            latency.bar(
                offset,
                target.results[endpoint].p99_ms,
                width,
                color=colour[target.key],
                label=target.label,
            )
    for axes, title in (
        (throughput, "requests per second (higher is better)"),
        (latency, "p99 latency, ms (lower is better)"),
    ):
        axes.set_yscale("log")
        axes.set_xticks(
            list(positions), [ENDPOINT_LABELS[endpoint] for endpoint in ENDPOINTS], fontsize=8
        )
        axes.set_title(title, fontsize=11)
        axes.grid(axis="y", which="major", alpha=0.3)
    lowest = min(
        rate(target, endpoint) for target in targets.values() for endpoint in target.endpoints
    )
    throughput.set_ylim(bottom=max(lowest / 3, 0.1), top=throughput.get_ylim()[1] * 4)
    # One legend entry per target (each drew a bar per endpoint).
    handles, labels = throughput.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    throughput.legend(unique.values(), unique.keys(), fontsize=8, loc="upper right")
    figure.suptitle(
        f"gunicorn, {WORKERS} sync workers per target, {CONNECTIONS} connections, 127.0.0.1;"
        " token refresh replays one token, refresh rotating chains fresh sessions' tokens",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def busy_note(report: dict[str, Any]) -> str:
    """A warning when other work shared the CPUs during the load runs."""
    cpus = os.cpu_count() or 1
    highest = max(float(report[key].split()[0]) for key in ("load_before", "load_after"))
    if highest <= cpus:
        return ""
    return (
        f"The machine was busy with other work during this run (load average up to {highest:.1f}"
        f" on {cpus} CPUs): absolute numbers and ratios are noisy. Rerun on a quiet machine."
    )


def rotation_paragraph(targets: dict[str, Target]) -> str:
    """How the "refresh, rotating" rows were measured, and their numbers: a short list."""
    ours, eddsa, peer = targets["ours-rs256"], targets["ours-eddsa"], targets["ninja-jwt-rotation"]
    ours_rate, eddsa_rate, peer_rate = (rate(target, "rotate") for target in (ours, eddsa, peer))
    return "\n".join(
        [
            "- Our project rotates refresh tokens as generated (`refresh_token_rotation`, yes by"
            " default): a refresh answers a new refresh token and the old one is refused (sent"
            " again after a 5 s grace, it revokes the session). Replaying one token would measure"
            " the grace path, then 401s.",
            "- So the load chains tokens. Before each run (the warm-up and every round) the"
            f" harness signs in {CONNECTIONS + CHAINS_TO_SPARE} times: a new session per"
            " connection, and one more because wrk uses one request at start-up and never sends"
            " it. Each request sends a current refresh token of one session, and the token in"
            " the answer is what that session sends next (a pool in `bench/wrk.lua`; one chain"
            " per connection in the Python generator). A session's tokens go one after the"
            " other, as its one client would send them, and none goes twice. So no request"
            " takes the grace or reuse path: this is the normal rotation, one SELECT (session"
            " and user), one conditional UPDATE, two tokens signed and an audit log line.",
            f"- {ours.label} {ours_rate:,.0f} req/s, {eddsa.label} {eddsa_rate:,.0f} req/s,"
            f" beside {peer.label} {peer_rate:,.0f} req/s (ours ÷ it: RS256"
            f" {ratio(ours_rate, peer_rate):.1f}x, EdDSA {ratio(eddsa_rate, peer_rate):.1f}x)."
            " That peer runs with the same chaining, set up as its README describes:"
            " `ROTATE_REFRESH_TOKENS` and `BLACKLIST_AFTER_ROTATION`, with the"
            " `ninja_jwt.token_blacklist` app migrated. Each of its refreshes looks the token up"
            " in the blacklist, records it as outstanding if it is not yet, then blacklists it:"
            " two rows added per refresh, where ours updates its session row in place. It"
            " refuses a blacklisted token, but the newer tokens of that chain stay valid; ours"
            " revokes the session instead.",
            '- The plain "token refresh" rows replay one token. django-ninja-simple-jwt cannot'
            " rotate, and django-ninja-jwt does not by default. The ratios of our rotating"
            " refresh against those rows say so.",
        ]
    )


def write_docs(report: dict[str, Any]) -> None:
    DOCS.mkdir(exist_ok=True)
    chart(report["targets"], DOCS / "benchmark.png")
    versions_text = ", ".join(f"{name} {version}" for name, version in report["versions"].items())
    host = report["machine"]
    busy = busy_note(report)
    lines = [
        "# Benchmark",
        "",
        f"Written by `bash bench/run.sh` on {report['date']}. Numbers depend on the machine and on",
        "whatever else runs on it; rerun the command to compare on yours.",
        *(["", f"**{busy}**", ""] if busy else [""]),
        f"- Machine: {host['cpus']} CPUs ({host['cpu']}), {host['system']}; load average"
        f" {report['load_before']} before the load runs, {report['load_after']} after.",
        f"- Versions: {versions_text}.",
        f"- Load: {report['generator']}, {CONNECTIONS} connections; each target under gunicorn"
        f" with {WORKERS} sync workers on 127.0.0.1, all {len(report['targets'])} served at once,"
        " loaded one at a"
        f" time, after a {WARMUP_SECONDS} s warm-up, in {report['rounds']} rounds of"
        f" {report['seconds']} s per endpoint, the targets taking turns. req/s, p50 and p99 are"
        " the best round's; requests add up every round, errors and non-2xx every round and"
        " the warm-up.",
        "- Benchmark-only settings for every target (`bench/projects/benchmark_only.py`): MD5"
        " password hashing, DEBUG off, SQLite in WAL mode with persistent connections. Our sign-in"
        " throttle stays on at a rate one client never reaches.",
        "",
        "![Requests per second and p99 latency per target and endpoint](benchmark.png)",
        "",
        "## Load runs",
        "",
        markdown_table(RESULT_HEADER, report["result_rows"]),
        "",
        "## Token refresh with rotation",
        "",
        rotation_paragraph(report["targets"]),
        "",
        "## Ratios",
        "",
        markdown_table(["target", "endpoint", "ratio"], report["ratio_rows"]),
        "",
        "## Targets of issue 6",
        "",
        markdown_table(["target", "goal", "measured", "mark"], report["check_rows"]),
        "",
        "## Micro benchmark (no HTTP), µs per operation",
        "",
        "The app's own functions (`verify_token`, `mint_token`, and `HttpJwtAuth` on",
        "a request) beside the floor: PyJWT's `jwt.decode` / `jwt.encode` with the key already",
        "parsed, and the signature alone (PyJWT's algorithm object on the same bytes). Each is the",
        "CPU time of the measuring thread, the best of 15 batches, the app's and the floor's",
        "batches taking turns.",
        "",
        markdown_table(MICRO_HEADER, report["micro_rows"], numeric_from=1),
        "",
        bounds_paragraph(report["micro"]),
        "",
        "## Generating a project",
        "",
        f"{len(report['bakes'])} bakes with `cookiecutter --no-input` (hooks and key pair"
        f" included): median {statistics.median(report['bakes']):.2f} s"
        f" ({', '.join(f'{value:.2f}' for value in report['bakes'])}).",
        "",
    ]
    (DOCS / "benchmark.md").write_text("\n".join(lines))


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description="Run by bench/run.sh.")
    parser.add_argument("--peers-python", required=True)
    parser.add_argument("--setup-seconds", type=int, default=0)
    args = parser.parse_args()
    started = time.monotonic()
    seconds = int(os.environ.get("BENCH_DURATION", "2"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    bake_count = int(os.environ.get("BENCH_BAKES", "5"))
    generator = os.environ.get("BENCH_LOADGEN") or ("wrk" if wrk_available() else "python")
    if generator == "wrk" and not wrk_available():
        raise SystemExit("bench: BENCH_LOADGEN=wrk but wrk is not installed (apt-get install wrk)")
    if generator == "python":
        log("wrk not found: using the Python load generator (apt-get install wrk for wrk)")

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    log(f"timing {bake_count} bakes ...")
    bakes = time_bakes(bake_count)
    log(f"  median {statistics.median(bakes):.2f} s")

    ours_project = bake(WORK / "ours-rs256")
    eddsa_project = bake(WORK / "ours-eddsa", "jwt_algorithm=EdDSA")
    for problem in check_dependencies(ours_project):
        log(f"WARNING: the bench environment does not match the baked project: {problem}")
    simple_paths = {
        "open": "/api/ping",
        "me": "/api/me",
        "refresh": "/api/auth/mobile/token-refresh",
        "sign-in": "/api/auth/mobile/sign-in",
    }
    ninja_paths = {
        "open": "/api/ping",
        "me": "/api/me",
        "refresh": "/api/token/refresh",
        "sign-in": "/api/token/pair",
    }
    target_list = [
        our_target("ours-rs256", "ours (RS256)", ours_project),
        our_target("ours-eddsa", "ours (EdDSA)", eddsa_project),
        peer_target(
            "simple-jwt",
            "django-ninja-simple-jwt (RS256)",
            "simple_jwt_project",
            args.peers_python,
            simple_paths,
            "make_jwt_key",
        ),
        peer_target(
            "ninja-jwt",
            "django-ninja-jwt (HS256)",
            "ninja_jwt_project",
            args.peers_python,
            ninja_paths,
            None,
        ),
        peer_target(
            "ninja-jwt-rotation",
            "django-ninja-jwt (HS256, rotation + blacklist)",
            "ninja_jwt_project",
            args.peers_python,
            {**without(ninja_paths, "refresh"), "rotate": ninja_paths["refresh"]},
            None,
            settings="settings_rotation",
        ),
    ]
    targets = {target.key: target for target in target_list}
    log("preparing the targets (keys, database, user) ...")
    for target in target_list:
        prepare(target)

    log("micro benchmark ...")
    micro_file = WORK / "micro.json"
    ours = targets["ours-rs256"]
    print(
        run(
            [sys.executable, str(BENCH / "micro.py"), "--json", str(micro_file)],
            cwd=ours.folder,
            env=ours.environment(),
        ),
        end="",
        flush=True,
    )
    micro = json.loads(micro_file.read_text())

    log(
        f"load runs with {generator}: {rounds} rounds of {seconds} s per target and endpoint,"
        f" after a {WARMUP_SECONDS} s warm-up ..."
    )
    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    with serving(target_list):
        for target in target_list:
            sign_in(target)
            for endpoint in target.endpoints:
                warm_up(target, endpoint, generator)
        # Targets take turns round by round, so a burst of load from elsewhere hits one round of
        # each. A target's /me right after its own open endpoint (for their ratio); then each
        # auth endpoint across targets side by side.
        for round_ in range(1, rounds + 1):
            for target in target_list:
                sign_in(target)  # fresh tokens: a long BENCH_DURATION outlives 5-minute ones
                for endpoint in ("open", "me"):
                    measure(target, endpoint, seconds, generator, round_)
        for endpoint in ("refresh", "rotate", "sign-in"):
            for round_ in range(1, rounds + 1):
                for target in target_list:
                    if endpoint in target.paths:
                        measure(target, endpoint, seconds, generator, round_)
    for target in target_list:
        target.results = {
            endpoint: Cell.of(target.runs[endpoint], target.warm_ups[endpoint])
            for endpoint in target.endpoints
        }
    load_after = " ".join(f"{value:.2f}" for value in os.getloadavg())

    checks = evaluate(targets, micro, bakes)
    report = {
        "targets": targets,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": versions(args.peers_python),
        "machine": machine(),
        "generator": wrk_version() if generator == "wrk" else "the Python load generator",
        "seconds": seconds,
        "rounds": rounds,
        "load_before": load_before,
        "load_after": load_after,
        "bakes": bakes,
        "result_rows": results_rows(targets),
        "ratio_rows": ratio_rows(targets),
        "check_rows": check_rows(checks),
        "micro_rows": micro_rows(micro),
        "micro": micro,
    }
    print()
    print(text_table(RESULT_HEADER, report["result_rows"]).replace("`", ""))
    print()
    print(text_table(["target", "ratio", "value"], report["ratio_rows"]))
    print()
    print(text_table(["target of issue 6", "goal", "measured", "mark"], report["check_rows"]))
    print()
    print(f"versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}")
    print(f"machine: {report['machine']['cpus']} CPUs; load average {load_before} -> {load_after}")
    if busy_note(report):
        print(f"NOTE: {busy_note(report)}")
    if os.environ.get("BENCH_NO_DOCS") != "1":
        write_docs(report)
        log("wrote docs/benchmark.md and docs/benchmark.png")
    total = args.setup_seconds + (time.monotonic() - started)
    log(f"done in {total:.0f} s (environments {args.setup_seconds} s)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("bench: interrupted; every server it started is stopped") from None
