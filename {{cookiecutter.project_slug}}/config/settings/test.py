"""Settings for the test suite (pytest-django uses them, see pyproject.toml)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment"  # noqa: S105

# A fast hasher: the suite creates many users, and real hashing would dominate its run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file, not in memory: SQLite's shared in-memory database answers
    # concurrent writers (the concurrent-refresh test's threads) with "table is locked" at
    # once, where a file waits its turn, as the real database does.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}  # noqa: F405
