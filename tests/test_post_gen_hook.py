"""The post-generation hook: keys by either route, in one format, and nothing ever overwritten."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATE_DIR, assert_key_pair, bake, load_hook
from cookiecutter.main import cookiecutter

post_gen = load_hook("post_gen_project")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
@pytest.mark.parametrize("generator", ["keys_with_cryptography", "keys_with_openssl"])
def test_each_route_makes_the_same_format(tmp_path: Path, generator: str, algorithm: str) -> None:
    if generator == "keys_with_openssl" and shutil.which("openssl") is None:
        pytest.fail("openssl is needed for this test (.ci/run installs it)")
    outcome = post_gen.make_key_pair(
        tmp_path, algorithm, generators=(getattr(post_gen, generator),)
    )
    assert outcome == "created"
    private, public = tmp_path / "jwt-signing.pem", tmp_path / "jwt-signing.pub"
    assert mode(private) == 0o600
    assert mode(public) == 0o644
    assert_key_pair(private.read_bytes(), public.read_bytes(), algorithm)


def test_openssl_is_the_fallback_when_cryptography_is_missing(tmp_path: Path) -> None:
    def no_cryptography(algorithm: str) -> None:
        return None

    outcome = post_gen.make_key_pair(
        tmp_path, "ES256", generators=(no_cryptography, post_gen.keys_with_openssl)
    )
    assert outcome == "created"
    pair = [(tmp_path / name).read_bytes() for name in ("jwt-signing.pem", "jwt-signing.pub")]
    assert_key_pair(*pair, "ES256")


def test_without_any_key_maker_it_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(post_gen, "keys_with_cryptography", lambda algorithm: None)
    monkeypatch.setattr(post_gen.shutil, "which", lambda name: None)
    assert post_gen.make_key_pair(tmp_path) == "unavailable"
    assert list(tmp_path.iterdir()) == []
    message = post_gen.next_steps({"project_slug": "shop"}, "unavailable", env_written=True)
    assert "python manage.py make_jwt_key" in message


def test_s3_projects_are_told_how_to_make_the_keys_in_s3() -> None:
    message = post_gen.next_steps(
        {"project_slug": "shop", "key_storage": "s3"}, "created", env_written=True
    )
    s3_steps = message[message.index("S3") :]
    for needed in (
        "DJANGO_SETTINGS_MODULE=config.settings.production",
        "JWT_PRIVATE_KEY_BUCKET=",
        "JWT_PUBLIC_KEY_BUCKET=",
        "python manage.py make_jwt_key",
    ):
        assert needed in s3_steps
    local = post_gen.next_steps(
        {"project_slug": "shop", "key_storage": "local"}, "created", env_written=True
    )
    assert "S3" not in local


@pytest.mark.parametrize("existing", ["jwt-signing.pem", "jwt-signing.pub"])
def test_existing_keys_are_never_replaced(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_bytes(b"keep me")
    assert post_gen.make_key_pair(tmp_path) == "exists"
    assert (tmp_path / existing).read_bytes() == b"keep me"
    assert [path.name for path in tmp_path.iterdir()] == [existing]


def test_env_file_gets_a_random_secret_and_is_never_replaced(tmp_path: Path) -> None:
    assert post_gen.write_env_file(tmp_path) is True
    env_file = tmp_path / ".env"
    first = env_file.read_text()
    assert mode(env_file) == 0o600
    secret = next(line for line in first.splitlines() if line.startswith("DJANGO_SECRET_KEY="))
    assert len(secret.split("=", 1)[1]) >= 50
    assert post_gen.write_env_file(tmp_path) is False
    assert env_file.read_text() == first

    other = tmp_path / "other"
    other.mkdir()
    post_gen.write_env_file(other)
    assert (other / ".env").read_text() != first


def test_generating_over_an_existing_project_keeps_keys_and_env(cookies: Any) -> None:
    project = bake(cookies, project_slug="kept")
    before = {
        name: (project / name).read_bytes()
        for name in (".env", "jwt-signing.pem", "jwt-signing.pub")
    }
    # Without --overwrite-if-exists cookiecutter refuses the existing folder; with it, the hook
    # runs again over the old project and must leave its secrets alone.
    cookiecutter(
        str(TEMPLATE_DIR),
        no_input=True,
        extra_context={"project_slug": "kept"},
        output_dir=str(project.parent),
        overwrite_if_exists=True,
    )
    after = {name: (project / name).read_bytes() for name in before}
    assert after == before
    assert mode(project / "jwt-signing.pem") == 0o600


@pytest.mark.parametrize(
    ("web_auth", "demo_page", "shown"),
    [(True, True, True), (True, False, False), (False, True, False)],
)
def test_next_steps_point_to_the_demo_page_when_there_is_one(
    web_auth: bool, demo_page: bool, shown: bool
) -> None:
    answers = {"project_slug": "shop", "web_auth": web_auth, "demo_page": demo_page}
    message = post_gen.next_steps(answers, "created", env_written=True)
    assert ("http://localhost:8000/demo/" in message) is shown


def test_next_steps_create_a_user_before_serving() -> None:
    """Sign-in and the demo page need someone to sign in as."""
    message = post_gen.next_steps({"project_slug": "shop"}, "created", env_written=True)
    assert message.index("createsuperuser") < message.index("runserver")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_next_steps_say_to_create_the_postgresql_database(database: str) -> None:
    answers = {"project_slug": "shop", "database": database}
    message = post_gen.next_steps(answers, "created", env_written=True)
    assert ("createdb shop" in message) is (database == "postgresql")
