"""BENCHMARK ONLY: the baked project's settings for bench/run.sh. Never use them for a real site.

bench/targets.py (our_target) copies this file into the baked project as
config/settings/benchmark.py. It is the project's own base settings (middleware, apps,
NINJA_SIMPLE_JWT and PASSWORD_HASHERS as generated) with the shared benchmark-only changes of
benchmark_only.py, and one more: the sign-in throttle stays on (its per-request cost is
measured) but at a rate the load generator, one client, never reaches.
"""

import benchmark_only

from .base import *  # noqa: F403
from .base import BASE_DIR, NINJA_SIMPLE_JWT

# Assigned after the star import, so these win over base.py's.
DEBUG = benchmark_only.DEBUG
SECRET_KEY = benchmark_only.SECRET_KEY
ALLOWED_HOSTS = benchmark_only.ALLOWED_HOSTS
DATABASES = benchmark_only.database(BASE_DIR)

NINJA_SIMPLE_JWT = {**NINJA_SIMPLE_JWT, "SIGN_IN_THROTTLE_RATE": "1000000/s"}
