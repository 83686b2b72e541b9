"""The load runs: every target served at once, each endpoint loaded in turn, in rounds.

What each endpoint's load sends:

- open, /me one token, token refresh (replayed) and sign-in: the same request every time;
- /me, distinct tokens (our targets): DISTINCT_TOKENS access tokens of the benchmark user,
  minted by the server before the loads (targets.distinct_access_tokens), sent in turn; and its
  control, /me one token cycled: the one token, through the same cycling code of the generator
  (so a gap between the two is the server's, not the generator's);
- refresh, rotating: chains of fresh sessions, each request sending its session's current
  refresh token and the next one sending the token the answer brought (see bench/loadgen.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from loadgen import LoadResult, Request, load
from targets import (
    CONNECTIONS,
    ENDPOINT_LABELS,
    PASSWORD,
    SIGN_IN_CONNECTIONS,
    USERNAME,
    Target,
    distinct_access_tokens,
    log,
    refresh_chains,
    serving,
    sign_in,
)

WARMUP_SECONDS = 1
# Sign-in with PBKDF2 (the peers) serves a few requests a second: longer runs, more samples.
SIGN_IN_MIN_SECONDS = 5


def sign_in_seconds(seconds: int) -> int:
    return max(seconds, SIGN_IN_MIN_SECONDS)


def connections_for(endpoint: str) -> int:
    return SIGN_IN_CONNECTIONS if endpoint == "sign-in" else CONNECTIONS


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

    @classmethod
    def of(cls, runs: list[LoadResult], warm_up: LoadResult | None) -> Cell:
        """The measured ``runs``; the warm-up's failures count too, its speed does not."""
        every = (*runs, warm_up) if warm_up is not None else tuple(runs)
        return cls(
            best=max(runs, key=lambda run: run.per_second),
            requests=sum(run.requests for run in runs),
            errors=sum(run.errors for run in every),
            non2xx=sum(run.non2xx for run in every),
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


def request_for(target: Target, endpoint: str) -> Request:
    if endpoint == "me":
        return Request(target.url("me"), authorization=f"Bearer {target.access}")
    if endpoint == "me-cycled":
        return Request(target.url("me-cycled"), authorizations=(f"Bearer {target.access}",))
    if endpoint == "me-distinct":
        return Request(
            target.url("me-distinct"),
            authorizations=tuple(f"Bearer {token}" for token in target.distinct_access),
        )
    if endpoint == "refresh":
        return Request(target.url("refresh"), "POST", json.dumps({"refresh": target.refresh}))
    if endpoint == "rotate":
        return Request(target.url("rotate"), "POST", refresh_tokens=refresh_chains(target))
    if endpoint == "sign-in":
        body = json.dumps({"username": USERNAME, "password": PASSWORD})
        return Request(target.url("sign-in"), "POST", body)
    return Request(target.url("open"))


def warm_up(target: Target, endpoint: str, generator: str) -> None:
    """A short load first: every worker imports lazily loaded code and reads its keys.

    Not for "me-distinct" and its control: the one-token /me warms the same code, and the
    distinct tokens must reach each worker cold.
    """
    if endpoint in ("me-cycled", "me-distinct"):
        return
    target.warm_ups[endpoint] = load(
        request_for(target, endpoint), WARMUP_SECONDS, connections_for(endpoint), generator
    )


def measure(target: Target, endpoint: str, seconds: int, generator: str, round_: int) -> None:
    result = load(request_for(target, endpoint), seconds, connections_for(endpoint), generator)
    target.runs.setdefault(endpoint, []).append(result)
    mark = "" if result.clean else f"  <-- {result.errors} errors, {result.non2xx} non-2xx"
    label = ENDPOINT_LABELS[endpoint]
    log(
        f"  {round_}  {target.label:<46} {label:<26} {result.per_second:>8.0f} req/s"
        f"  p99 {result.p99_ms:>6.1f} ms{mark}"
    )


def run_loads(target_list: list[Target], rounds: int, seconds: int, generator: str) -> None:
    """Serve every target, load each endpoint; set each target's results (Cells by endpoint)."""
    with serving(target_list):
        for target in target_list:
            sign_in(target)
            for endpoint in target.endpoints:
                warm_up(target, endpoint, generator)
            if "me-distinct" in target.paths:
                # One set for every round: more tokens than a worker's cache holds, so each
                # use is a first use there whatever came before. They live 15 minutes.
                target.distinct_access = distinct_access_tokens(target)
                log(f"  {target.label}: {len(target.distinct_access):,} distinct access tokens")
        # Targets take turns round by round, so a burst of load from elsewhere hits one round of
        # each. A target's /me loads right after its own open endpoint (for their ratios); then
        # each auth endpoint across targets side by side.
        for round_ in range(1, rounds + 1):
            for target in target_list:
                sign_in(target)  # fresh tokens: a long BENCH_DURATION outlives short-lived ones
                for endpoint in ("open", "me", "me-cycled", "me-distinct"):
                    if endpoint in target.paths:
                        measure(target, endpoint, seconds, generator, round_)
        for endpoint in ("refresh", "rotate", "sign-in"):
            for round_ in range(1, rounds + 1):
                for target in target_list:
                    if endpoint in target.paths:
                        duration = sign_in_seconds(seconds) if endpoint == "sign-in" else seconds
                        measure(target, endpoint, duration, generator, round_)
    for target in target_list:
        target.results = {
            endpoint: Cell.of(target.runs[endpoint], target.warm_ups.get(endpoint))
            for endpoint in target.endpoints
        }
