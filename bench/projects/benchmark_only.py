"""BENCHMARK ONLY: the settings every benchmark target shares. Never use them for a real site.

bench/targets.py (our_target, peer_target) copies this module into each target's folder; each
target's benchmark settings import it, so the five servers differ only in their auth code and
their password hasher. What it changes, and why:

- Nothing about password hashing: each target keeps its own default hasher (ours Argon2id as
  generated, the peers Django's PBKDF2), so sign-in is measured as each ships. The benchmark
  user is created once per target, at setup, with that hasher.
- DEBUG off, a fixed secret key, loopback host names only.
- SQLite in the target's folder in WAL mode, with persistent connections and a long busy timeout,
  so two gunicorn workers that both write ``last_login`` at sign-in wait for each other instead
  of failing.
"""

from pathlib import Path
from typing import Any

DEBUG = False
# SECURITY WARNING: a published, fixed key. Benchmark only.
SECRET_KEY = "benchmark-only-secret-key-never-deploy-" + "x" * 24
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Django's startproject apps, middleware and templates: the same for every peer project.
STARTPROJECT_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


def database(base_dir: Path) -> dict[str, Any]:
    """The one SQLite database of a benchmark target."""
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base_dir / "benchmark.sqlite3"),
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
            },
        }
    }
