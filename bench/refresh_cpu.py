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
(and checkouts) over a few rounds, and compare the best of each.
"""

from __future__ import annotations

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
print(f"{min(refresh_batch() for _ in range(BATCHES)):.0f} µs per refresh")
