"""Fixtures of the auth app's tests.

They run against the app's own URLconf (``urls.py`` here): the routers at the library's
default paths, whatever the project mounts, so these tests are the same in every project. Users
sign in with ``LOGIN`` in the field that the ``USERNAME_FIELD`` setting names. Tokens are signed
with throw-away keys made once per run in a temporary folder by the real ``make_jwt_key``: the
project's own keys are never read or written. Every test runs on one fake clock (``clock``):
time stands still at ``NOW`` unless the test moves it, so no test depends on the wall clock.
"""

import io
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from ninja_simple_jwt.conf import ALGORITHMS, get_jwt_settings
from ninja_simple_jwt.sessions import start_session
from ninja_simple_jwt.tests.keyfiles import keys_in

PASSWORD = "correct horse battery staple"
LOGIN = "ada@example.com"
CREDENTIALS = {"username": LOGIN, "password": PASSWORD}
# django-ninja's answer when no auth class accepts the request (HttpJwtAuth returned None).
UNAUTHORIZED = {"detail": "Unauthorized"}
# The app's answer to a bad token wherever one is read.
INVALID_TOKEN = {"detail": "Invalid or expired token."}
# Where tests/urls.py mounts the web router: the refresh cookie's path.
WEB_AUTH_PATH = "/api/auth/web"
# The instant every test starts at (half a second past: a second boundary is never near).
NOW = datetime(2030, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)


def create_user(login: str = LOGIN, password: str = PASSWORD, **fields: Any) -> Any:
    """A user who signs in with ``login``, whatever the project's user model."""
    user_model = get_user_model()
    values = {get_jwt_settings().USERNAME_FIELD: login, **fields}
    values.setdefault(user_model.USERNAME_FIELD, login)
    return user_model._default_manager.create_user(password=password, **values)


def url(name: str, **kwargs: Any) -> str:
    """The path of an operation of the test API, by its URL name (and path parameters)."""
    return reverse(f"jwt-tests:{name}", kwargs=kwargs or None)


def post(client: Any, name: str, body: Any = None, **extra: Any) -> Any:
    """POST ``body`` as JSON to the operation named ``name``."""
    return client.post(url(name), body, content_type="application/json", **extra)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mint(user: Any, token_type: str) -> str:
    """A token of a new session of ``user``, as sign-in would give."""
    tokens = start_session(user)
    return (tokens.access if token_type == "access" else tokens.refresh).token


def make_keys(*arguments: str) -> str:
    """Run ``manage.py make_jwt_key``; a CommandError fails the test."""
    output = io.StringIO()
    call_command("make_jwt_key", *arguments, stdout=output)
    return output.getvalue()


@pytest.fixture(scope="session", autouse=True)
def stopped_time() -> Iterator[time_machine.Traveller]:
    """``time.time()``, ``datetime.now()`` and so Django's ``timezone.now()`` and PyJWT's
    checks read a fake clock for the whole run, fixtures included."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def clock(stopped_time: time_machine.Traveller) -> Iterator[time_machine.Traveller]:
    """The one clock of every test: ``NOW`` until the test moves it, ``clock.shift(seconds)``.
    Back at ``NOW`` after the test too, for the wider-scoped fixtures of the next one."""
    stopped_time.move_to(NOW)
    yield stopped_time
    stopped_time.move_to(NOW)


@pytest.fixture(scope="session", autouse=True)
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The key storages (``STORAGES``) pointed at this run's throw-away keys."""
    directory = tmp_path_factory.mktemp("jwt-keys")
    with override_settings(STORAGES=keys_in(directory)):
        make_keys()
        yield directory


@pytest.fixture(autouse=True)
def app_urls(settings: Any) -> None:
    """The test URLconf, and the cookie path where it mounts the web router."""
    settings.ROOT_URLCONF = "ninja_simple_jwt.tests.urls"
    settings.NINJA_SIMPLE_JWT = {
        **settings.NINJA_SIMPLE_JWT,
        "WEB_REFRESH_COOKIE_PATH": WEB_AUTH_PATH,
    }


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Sign-in throttling counts in Django's cache: each test counts only its own requests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def change_settings(settings: Any) -> Any:
    """``change_settings(KEY=value, ...)`` changes ``NINJA_SIMPLE_JWT`` for one test."""

    def change(**changes: Any) -> None:
        settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, **changes}

    return change


@pytest.fixture
def user(db: None) -> Any:
    return create_user()


@pytest.fixture
def access_token(user: Any) -> str:
    return mint(user, "access")


@pytest.fixture
def refresh_token(user: Any) -> str:
    return mint(user, "refresh")


@pytest.fixture(scope="session")
def key_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A key pair of every algorithm, made once per run by ``make_jwt_key``."""
    folders: dict[str, Path] = {}
    for algorithm in ALGORITHMS:
        folder = tmp_path_factory.mktemp(f"keys-{algorithm}")
        jwt_settings = {**_project_jwt_settings(), "JWT_ALGORITHM": algorithm}
        with override_settings(STORAGES=keys_in(folder), NINJA_SIMPLE_JWT=jwt_settings):
            make_keys()
        folders[algorithm] = folder
    return folders


def _project_jwt_settings() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.NINJA_SIMPLE_JWT)


def use_keys(settings: Any, folder: Path, target: Path, algorithm: str) -> Path:
    """Sign with a copy of ``folder``'s keys in ``target``, under ``algorithm``, for one test."""
    shutil.copytree(folder, target, dirs_exist_ok=True)
    settings.STORAGES = keys_in(target)
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_ALGORITHM": algorithm}
    return target


@pytest.fixture
def keys(settings: Any, tmp_path: Path, key_folders: dict[str, Path]) -> Path:
    """A copy of a key pair of the project's algorithm, for this test alone to change."""
    algorithm = get_jwt_settings().JWT_ALGORITHM
    return use_keys(settings, key_folders[algorithm], tmp_path / "keys", algorithm)


@pytest.fixture(params=ALGORITHMS)
def algorithm(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path, key_folders: dict[str, Path]
) -> str:
    """The app switched to this algorithm, with its own copy of a key pair of that kind."""
    name: str = request.param
    use_keys(settings, key_folders[name], tmp_path / "keys", name)
    return name
