"""Where the signing keys live: S3 under production settings, the project root everywhere else.

The production settings are loaded in a child process with the environment a deployment would
give them. Building the S3 storages opens no connection, so no S3 server is needed here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import storages
from ninja_simple_jwt.keys.storage import KeyFileStorage

from tests.environment import settings_module

# Prints what the production settings made of the environment, as JSON.
PROBE = """
import json
import django

django.setup()
from django.conf import settings
from ninja_simple_jwt.keys.storage import key_storage

def describe(storage):
    return {
        "class": f"{type(storage).__module__}.{type(storage).__qualname__}",
        "bucket_name": storage.bucket_name,
        "location": storage.location,
        "endpoint_url": storage.endpoint_url,
        "region_name": storage.region_name,
    }

print(json.dumps({
    "private": describe(key_storage("private")),
    "public": describe(key_storage("public")),
    "aliases": {
        alias: settings.STORAGES[alias]["BACKEND"]
        for alias in ("jwt_private_key", "jwt_public_key")
    },
}))
"""

# Where manage.py is.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

S3_ENVIRONMENT = {
    "JWT_PRIVATE_KEY_BUCKET": "acme-auth-private",
    "JWT_PRIVATE_KEY_PREFIX": "production/signing",
    "JWT_PUBLIC_KEY_BUCKET": "acme-auth-public",
    "JWT_PUBLIC_KEY_PREFIX": "production/verifying",
    "JWT_KEYS_S3_ENDPOINT_URL": "https://s3.eu-central-1.example.net",
    "JWT_KEYS_S3_REGION": "eu-central-1",
}


def run_under_production_settings(**variables: str) -> subprocess.CompletedProcess[str]:
    """Run PROBE with the production settings and exactly these deployment variables."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "JWT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="production-like-secret-key-for-this-test-only-0123456789",
        DJANGO_ALLOWED_HOSTS="api.example.com",
        **variables,
    )
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_key_storages_are_s3_configured_from_the_environment() -> None:
    result = run_under_production_settings(**S3_ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)

    for role in ("private", "public"):
        storage = found[role]
        assert storage["class"] == "storages.backends.s3.S3Storage"
        assert storage["bucket_name"] == S3_ENVIRONMENT[f"JWT_{role.upper()}_KEY_BUCKET"]
        assert storage["location"] == S3_ENVIRONMENT[f"JWT_{role.upper()}_KEY_PREFIX"]
        assert storage["endpoint_url"] == S3_ENVIRONMENT["JWT_KEYS_S3_ENDPOINT_URL"]
        assert storage["region_name"] == S3_ENVIRONMENT["JWT_KEYS_S3_REGION"]
    # The app finds them by their STORAGES aliases, as the project declares them.
    assert found["aliases"] == {
        "jwt_private_key": "storages.backends.s3.S3Storage",
        "jwt_public_key": "storages.backends.s3.S3Storage",
    }


def test_prefixes_endpoint_and_region_are_optional() -> None:
    buckets = {
        "JWT_PRIVATE_KEY_BUCKET": "acme-auth-private",
        "JWT_PUBLIC_KEY_BUCKET": "acme-auth-public",
    }
    result = run_under_production_settings(**buckets)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    for role in ("private", "public"):
        # Keys at the top of the bucket, AWS's own endpoint, the region of the AWS config.
        assert found[role]["location"] == ""
        assert found[role]["endpoint_url"] is None
        assert found[role]["region_name"] is None


@pytest.mark.parametrize("missing", ["JWT_PRIVATE_KEY_BUCKET", "JWT_PUBLIC_KEY_BUCKET"])
def test_production_refuses_to_start_without_a_bucket(missing: str) -> None:
    variables = {name: value for name, value in S3_ENVIRONMENT.items() if name != missing}
    result = run_under_production_settings(**variables)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_other_settings_keep_the_keys_in_the_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # The local settings, like the test ones: no S3 needed to develop or to run this suite.
    local = settings_module("local", monkeypatch)
    for alias in ("jwt_private_key", "jwt_public_key"):
        storage = storages.create_storage(local["STORAGES"][alias])
        assert isinstance(storage, KeyFileStorage)
        assert storage.location == str(PROJECT_ROOT)
