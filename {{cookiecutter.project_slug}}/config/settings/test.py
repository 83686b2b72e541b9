"""Settings for the test suite (pytest-django uses them, see pyproject.toml)."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment"  # noqa: S105

# A fast hasher: the suite creates many users, and real hashing would dominate its run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
