"""Bounded load on one URL of 127.0.0.1: wrk with bench/wrk.lua, or a Python fallback.

Both run for a fixed number of seconds with a fixed number of connections, then stop by
themselves, and report the same numbers: requests per second, p50 and p99 latency, errors
(connect, read, write, time-out) and responses other than 2xx.

A request is either the same one repeated, or a chain of rotating refresh tokens
(``Request.refresh_tokens``): a rotated refresh token cannot be sent twice, so every request
sends a current one, ``{"refresh": token}``, and the ``refresh`` of its 2xx answer is the token
a later request sends. The chains start from ``refresh_tokens``, one session each, as many as
connections or more (wrk needs one more: see bench/wrk.lua): each session's tokens are used
strictly one after the other, never two of one session at once, as one client of that session
would. A 2xx answer without a new refresh token
breaks its chain and counts as an error; a chain that broke leaves its connection nothing
valid to send, so what follows shows up as errors or non-2xx too.

A request can also cycle through many Authorization values (``Request.authorizations``): each
request sends the next one, round-robin (per connection in the Python generator, from a
different starting point each; one shared cycle in bench/wrk.lua, which reads them from a file).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

__all__ = ["CHAINS_TO_SPARE", "LoadResult", "Request", "load", "wrk_available"]

WRK_SCRIPT: Final = Path(__file__).resolve().parent / "wrk.lua"
# A request that takes longer than this counts as an error (a time-out), in both generators.
REQUEST_TIMEOUT_SECONDS: Final = 5
_RESULT_PREFIX: Final = "BENCH_RESULT "
# Refresh chains needed beyond one per connection: wrk takes one to check the script with.
CHAINS_TO_SPARE: Final = 1


@dataclass(frozen=True)
class Request:
    """One HTTP request, repeated by the load generator."""

    url: str
    method: str = "GET"
    body: str = ""
    authorization: str = ""
    # Rotating refresh: the first refresh token of each chain (see the module's docstring).
    refresh_tokens: tuple[str, ...] = ()
    # Many Authorization header values sent in turn, instead of ``authorization``.
    authorizations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.authorizations and self.authorization:
            raise ValueError("one Authorization header, or many in turn: not both")
        if any(not value or "\n" in value for value in self.authorizations):
            raise ValueError("an Authorization value is one non-empty line")
        if self.refresh_tokens and self.method != "POST":
            raise ValueError("a refresh chain is sent with POST")
        for token in self.refresh_tokens:
            # wrk.lua gets them space-separated and writes them into JSON as they are.
            if not token or any(character.isspace() or character in '"\\' for character in token):
                raise ValueError("a refresh token is one word without quotes or backslashes")


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    non2xx: int
    generator: str

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def clean(self) -> bool:
        return self.errors == 0 and self.non2xx == 0 and self.requests > 0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise ValueError(f"load is only ever sent to loopback addresses, not {host!r}")


def load(request: Request, seconds: int, connections: int, generator: str) -> LoadResult:
    """Load ``request`` for ``seconds`` over ``connections`` connections, then stop."""
    _check_loopback(request.url)
    if request.refresh_tokens and len(request.refresh_tokens) < connections + CHAINS_TO_SPARE:
        raise ValueError(
            f"{connections} connections need {connections + CHAINS_TO_SPARE} refresh chains"
        )
    if generator == "wrk":
        return _load_with_wrk(request, seconds, connections)
    return _load_with_python(request, seconds, connections)


def _load_with_wrk(request: Request, seconds: int, connections: int) -> LoadResult:
    if not request.authorizations:
        return _run_wrk(request, seconds, connections, "")
    # Thousands of tokens are too long for one environment variable: wrk.lua reads a file.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="bench-authorizations-") as file:
        file.write("".join(f"{value}\n" for value in request.authorizations))
        file.flush()
        return _run_wrk(request, seconds, connections, file.name)


def _run_wrk(
    request: Request, seconds: int, connections: int, authorizations_file: str
) -> LoadResult:
    environment = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_BODY": request.body,
        "BENCH_AUTHORIZATION": request.authorization,
        "BENCH_REFRESH_TOKENS": " ".join(request.refresh_tokens),
        "BENCH_AUTHORIZATIONS_FILE": authorizations_file,
    }
    command = [
        "wrk",
        # One thread: bench/wrk.lua keeps the refresh chains in that thread's Lua state.
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{REQUEST_TIMEOUT_SECONDS}s",
        "--script",
        str(WRK_SCRIPT),
        request.url,
    ]
    completed = subprocess.run(
        command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(_RESULT_PREFIX)]
    if not lines:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    numbers = json.loads(lines[-1][len(_RESULT_PREFIX) :])
    return LoadResult(
        requests=numbers["requests"],
        seconds=numbers["duration_us"] / 1e6,
        p50_ms=numbers["p50_us"] / 1000,
        p99_ms=numbers["p99_us"] / 1000,
        errors=sum(
            numbers[name]
            for name in (
                "connect_errors",
                "read_errors",
                "write_errors",
                "timeouts",
                "chain_errors",
            )
        ),
        non2xx=numbers["non2xx"],
        generator="wrk",
    )


class _Worker(threading.Thread):
    """One connection's request loop, until the shared deadline."""

    def __init__(
        self, request: Request, deadline: float, refresh_token: str = "", offset: int = 0
    ) -> None:
        super().__init__(daemon=True)
        self.offset = offset  # where this connection starts in request.authorizations
        self.request = request
        self.deadline = deadline
        self.refresh_token = refresh_token  # this connection's chain, if the request rotates
        self.latencies: list[float] = []
        self.errors = 0
        self.non2xx = 0

    def run(self) -> None:
        parts = urlsplit(self.request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {}
        if self.request.body or self.refresh_token:
            headers["Content-Type"] = "application/json"
        if self.request.authorization:
            headers["Authorization"] = self.request.authorization
        body = self.request.body.encode() if self.request.body else None
        authorizations = self.request.authorizations
        sent = self.offset
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            while time.monotonic() < self.deadline:
                if self.refresh_token:
                    body = json.dumps({"refresh": self.refresh_token}).encode()
                if authorizations:
                    headers["Authorization"] = authorizations[sent % len(authorizations)]
                    sent += 1
                started = time.perf_counter()
                try:
                    connection.request(self.request.method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    answer = response.read()
                except (OSError, http.client.HTTPException):
                    self.errors += 1
                    connection.close()
                    continue
                self.latencies.append(time.perf_counter() - started)
                if not 200 <= response.status <= 299:
                    self.non2xx += 1
                elif self.refresh_token:
                    self._follow_chain(answer)
        finally:
            connection.close()

    def _follow_chain(self, answer: bytes) -> None:
        """The next request sends the answer's new refresh token."""
        try:
            token = json.loads(answer)["refresh"]
        except (ValueError, KeyError, TypeError):
            token = None
        if isinstance(token, str) and token:
            self.refresh_token = token
        else:
            self.errors += 1


def _load_with_python(request: Request, seconds: int, connections: int) -> LoadResult:
    started = time.monotonic()
    chains = request.refresh_tokens or ("",) * connections
    spread = len(request.authorizations) // connections
    workers = [
        _Worker(request, started + seconds, chains[index], index * spread)
        for index in range(connections)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + REQUEST_TIMEOUT_SECONDS + 5)
    elapsed = time.monotonic() - started
    latencies = sorted(latency for worker in workers for latency in worker.latencies)
    if len(latencies) >= 2:
        percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
        p50, p99 = percentiles[49], percentiles[98]
    else:
        p50 = p99 = latencies[0] if latencies else 0.0
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=p50 * 1000,
        p99_ms=p99 * 1000,
        errors=sum(worker.errors for worker in workers),
        non2xx=sum(worker.non2xx for worker in workers),
        generator="python",
    )
