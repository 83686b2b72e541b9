"""Bounded load on one URL of 127.0.0.1: wrk with bench/wrk.lua, or a Python fallback.

Both run for a fixed number of seconds with a fixed number of connections, then stop by
themselves, and report the same numbers: requests per second, p50 and p99 latency, errors
(connect, read, write, time-out) and responses other than 2xx.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

__all__ = ["LoadResult", "Request", "load", "wrk_available"]

WRK_SCRIPT: Final = Path(__file__).resolve().parent / "wrk.lua"
# A request that takes longer than this counts as an error (a time-out), in both generators.
REQUEST_TIMEOUT_SECONDS: Final = 5
_RESULT_PREFIX: Final = "BENCH_RESULT "


@dataclass(frozen=True)
class Request:
    """One HTTP request, repeated by the load generator."""

    url: str
    method: str = "GET"
    body: str = ""
    authorization: str = ""


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
    if generator == "wrk":
        return _load_with_wrk(request, seconds, connections)
    return _load_with_python(request, seconds, connections)


def _load_with_wrk(request: Request, seconds: int, connections: int) -> LoadResult:
    environment = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_BODY": request.body,
        "BENCH_AUTHORIZATION": request.authorization,
    }
    command = [
        "wrk",
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
            numbers[name] for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        non2xx=numbers["non2xx"],
        generator="wrk",
    )


class _Worker(threading.Thread):
    """One connection's request loop, until the shared deadline."""

    def __init__(self, request: Request, deadline: float) -> None:
        super().__init__(daemon=True)
        self.request = request
        self.deadline = deadline
        self.latencies: list[float] = []
        self.errors = 0
        self.non2xx = 0

    def run(self) -> None:
        parts = urlsplit(self.request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {}
        if self.request.body:
            headers["Content-Type"] = "application/json"
        if self.request.authorization:
            headers["Authorization"] = self.request.authorization
        body = self.request.body.encode() if self.request.body else None
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            while time.monotonic() < self.deadline:
                started = time.perf_counter()
                try:
                    connection.request(self.request.method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    self.errors += 1
                    connection.close()
                    continue
                self.latencies.append(time.perf_counter() - started)
                if not 200 <= response.status <= 299:
                    self.non2xx += 1
        finally:
            connection.close()


def _load_with_python(request: Request, seconds: int, connections: int) -> LoadResult:
    started = time.monotonic()
    workers = [_Worker(request, started + seconds) for _ in range(connections)]
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
