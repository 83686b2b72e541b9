"""BENCHMARK ONLY: the django-ninja-jwt project of settings.py with rotation and blacklisting.

As the library's README sets refresh token rotation up: ``ROTATE_REFRESH_TOKENS`` (each refresh
answers a new refresh token) and ``BLACKLIST_AFTER_ROTATION`` (the one it replaces goes into the
blacklist, so it cannot be sent again), with the ``ninja_jwt.token_blacklist`` app and its
migrations. Sign-in records each refresh token it issues (``OutstandingToken``); a refresh checks
the blacklist, records the old token if needed and blacklists it. bench/targets.py copies it
into a folder of its own (peer_target) and serves it from there, so its database is its own too.
"""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "ninja_jwt.token_blacklist"]

NINJA_JWT = {
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
