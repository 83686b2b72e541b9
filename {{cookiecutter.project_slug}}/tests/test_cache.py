"""Sign-in throttling counts in a cache that every worker and instance shares: in production,
Redis when REDIS_URL is set. This runs against a real Redis server: the CI workflow starts one;
locally, set REDIS_URL (redis://127.0.0.1:6379/0) to run it."""

import os
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from tests.conftest import sign_in

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="set REDIS_URL to a Redis server")


def test_sign_in_throttling_counts_in_redis(client: Client, user: Any, settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "SIGN_IN_THROTTLE_RATE": "2/min"}
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this run's keys only, in a shared server
    }
    with override_settings(CACHES={"default": redis}):
        statuses = [sign_in(client).status_code for _ in range(3)]
        counted = caches["default"].get("ninja_simple_jwt:client:127.0.0.1")
    assert statuses == [200, 200, 429]
    assert len(counted) == 2
