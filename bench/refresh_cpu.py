"""CPU time of one rotating refresh, in process: what a busy machine does not distort.

Load runs on a shared machine swing with whatever else runs there; this thread's CPU time does
not count the time other processes take. Run inside a target that ``bench/run.sh`` prepared
(``.bench/<target>``: database, keys and the benchmark user), with that target's Python:

    cd .bench/ours-rs256/my_secure_api && ../../../.venvs/bench-ours-*/bin/python \\
        ../../../bench/refresh_cpu.py config.settings.benchmark \\
        /api/auth/mobile/sign-in /api/auth/mobile/token-refresh
    cd .bench/ninja-jwt-rotation && ../../.venvs/bench-peers-*/bin/python \\
        ../../bench/refresh_cpu.py ninja_jwt_project.settings_rotation \\
        /api/token/pair /api/token/refresh

It signs the benchmark user in, then sends each new refresh token back through Django's test
client (the whole request: middleware, django-ninja, the auth code, SQLite) and prints the
microseconds of one refresh, the best of BATCHES batches of CALLS. Take turns between targets
(and checkouts) over a few rounds, and compare the best of each. In our targets, a fourth
argument ``parts`` also prints that batch's CPU time per refresh in each step of
``refresh_session`` (the token's verification, the session read, the conditional UPDATE with
its filter, minting the two tokens, the audit line); what is left is Django and django-ninja.
"""

from __future__ import annotations

import collections
import functools
import json
import logging
import os
import sys
import time

BATCHES, CALLS = 5, 100

settings, sign_in_path, refresh_path = sys.argv[1:4]
os.environ["DJANGO_SETTINGS_MODULE"] = settings
sys.path.insert(0, os.getcwd())

import django  # noqa: E402

django.setup()
logging.disable(logging.CRITICAL)  # the audit lines would go to this terminal
from django.test import Client  # noqa: E402

parts: collections.Counter[str] = collections.Counter()


def timed(owner: object, name: str, label: str) -> None:
    """Add the thread's CPU time in ``owner.name`` to ``parts[label]``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: object, **kwargs: object) -> object:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            parts[label] += time.thread_time() - started

    setattr(owner, name, wrapper)


if sys.argv[4:] == ["parts"]:
    from ninja_simple_jwt import sessions

    timed(sessions, "verify_token", "verify the refresh token")
    timed(sessions, "_find", "read the session with its user")
    timed(sessions.Session.objects, "filter", "UPDATE (building the filter)")
    timed(sessions.QuerySet, "update", "UPDATE (the rest)")
    timed(sessions, "_tokens", "mint two tokens")
    timed(sessions, "audit", "audit line (logging off)")
client = Client(HTTP_HOST="127.0.0.1")
credentials = json.dumps({"username": "bench", "password": "benchmark-only-password"})
token = client.post(sign_in_path, credentials, content_type="application/json").json()["refresh"]


def refresh_batch() -> float:
    """Microseconds of CPU per refresh over one batch; each sends the token the last one got."""
    global token
    started = time.thread_time()
    for _ in range(CALLS):
        body = json.dumps({"refresh": token})
        answer = client.post(refresh_path, body, content_type="application/json")
        assert answer.status_code == 200, answer.content[:200]
        token = answer.json()["refresh"]
    return (time.thread_time() - started) / CALLS * 1e6


refresh_batch()  # warm-up: lazy imports, the key cache
best, best_parts = float("inf"), dict(parts)
for _ in range(BATCHES):
    parts.clear()
    if (microseconds := refresh_batch()) < best:
        best, best_parts = microseconds, dict(parts)
print(f"{best:.0f} µs per refresh")
for label, seconds in best_parts.items():
    print(f"  {seconds / CALLS * 1e6:5.0f} µs  {label}")
