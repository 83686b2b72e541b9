"""The key pair: ``make_rsa``, the system checks that find broken keys, and the 503 without them.

Every test here works in its own empty BASE_DIR, so the suite's shared keys are never touched.
"""

import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from ninja_simple_jwt.jwt.keys import generate_key_pair
from ninja_simple_jwt.jwt.tokens import mint_access_token
from ninja_simple_jwt.settings import get_jwt_settings

from tests.conftest import PASSWORD, url

KeyPair = tuple[bytes, bytes]


@pytest.fixture(scope="module")
def key_pairs() -> tuple[KeyPair, KeyPair]:
    """Two unrelated (private PEM, public PEM) pairs, made once for the module."""
    return generate_key_pair(), generate_key_pair()


@pytest.fixture
def base_dir(settings: Any, tmp_path: Path) -> Path:
    """An empty project root: the key storages now look here, and find nothing."""
    settings.BASE_DIR = tmp_path
    return tmp_path


def key_files(directory: Path) -> tuple[Path, Path]:
    jwt_settings = get_jwt_settings()
    return (
        directory / jwt_settings.JWT_PRIVATE_KEY_PATH,
        directory / jwt_settings.JWT_PUBLIC_KEY_PATH,
    )


def write_keys(
    directory: Path,
    private_pem: bytes | None,
    public_pem: bytes | None,
    private_mode: int = 0o600,
) -> None:
    private_file, public_file = key_files(directory)
    if private_pem is not None:
        private_file.write_bytes(private_pem)
        private_file.chmod(private_mode)
    if public_pem is not None:
        public_file.write_bytes(public_pem)


def make_rsa(*arguments: str) -> str:
    """Run ``manage.py make_rsa``; a CommandError (a non-zero exit) fails the test."""
    output = io.StringIO()
    call_command("make_rsa", *arguments, stdout=output)
    return output.getvalue()


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), file_mode(path)) for path in directory.iterdir()}


def assert_key_pair_matches(private_pem: bytes, public_pem: bytes) -> None:
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(public_pem)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert private_key.public_key().public_numbers() == public_key.public_numbers()


def check_failure() -> str:
    """The report of ``manage.py check``, which must fail."""
    with pytest.raises(SystemCheckError) as failure:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    return str(failure.value)


# --- make_rsa ---


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_make_rsa_creates_both_keys_private_one_owner_only(base_dir: Path) -> None:
    # The most permissive umask: the private key's mode must not depend on the caller's umask.
    previous_umask = os.umask(0)
    try:
        output = make_rsa()
    finally:
        os.umask(previous_umask)

    private_file, public_file = key_files(base_dir)
    assert file_mode(private_file) == 0o600
    assert_key_pair_matches(private_file.read_bytes(), public_file.read_bytes())
    assert str(private_file) in output
    assert str(public_file) in output


@pytest.mark.parametrize(
    ("with_private", "with_public"),
    [
        pytest.param(True, True, id="both-keys"),
        pytest.param(True, False, id="private-key-only"),
        pytest.param(False, True, id="public-key-only"),
    ],
)
def test_make_rsa_changes_nothing_when_keys_exist(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair], with_private: bool, with_public: bool
) -> None:
    private_pem, public_pem = key_pairs[0]
    write_keys(base_dir, private_pem if with_private else None, public_pem if with_public else None)
    before = snapshot(base_dir)

    output = make_rsa()

    assert snapshot(base_dir) == before
    assert "nothing changed" in output
    assert "--force" in output
    for existing in before:
        assert str(base_dir / existing) in output


def test_make_rsa_force_replaces_keys_and_signs_everyone_out(
    base_dir: Path,
    client: Client,
    user: Any,
    bearer: Callable[[str], dict[str, str]],
) -> None:
    make_rsa()
    private_file, public_file = key_files(base_dir)
    old_private, old_public = private_file.read_bytes(), public_file.read_bytes()
    old_token = mint_access_token(user)
    assert client.get(url("me"), headers=bearer(old_token)).status_code == 200

    output = make_rsa("--force")

    new_private, new_public = private_file.read_bytes(), public_file.read_bytes()
    assert new_private != old_private
    assert new_public != old_public
    assert_key_pair_matches(new_private, new_public)
    assert str(private_file) in output
    if os.name == "posix":
        assert file_mode(private_file) == 0o600
    response = client.get(url("me"), headers=bearer(old_token))
    assert response.status_code == 401
    assert response.json()["detail"]
    assert client.get(url("me"), headers=bearer(mint_access_token(user))).status_code == 200


# --- manage.py check ---


def test_check_passes_with_a_good_key_pair(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair]
) -> None:
    write_keys(base_dir, *key_pairs[0])
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_check_reports_missing_keys_and_the_fix(base_dir: Path) -> None:
    report = check_failure()
    private_file, public_file = key_files(base_dir)
    assert "ninja_simple_jwt.E002" in report
    assert str(private_file) in report
    assert str(public_file) in report
    assert "make_rsa" in report


def test_check_reports_a_missing_private_key(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair]
) -> None:
    write_keys(base_dir, None, key_pairs[0][1])
    report = check_failure()
    private_file, public_file = key_files(base_dir)
    assert "ninja_simple_jwt.E002" in report
    assert str(private_file) in report
    assert str(public_file) not in report
    assert "make_rsa" in report


def test_check_reports_a_mismatched_key_pair(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair]
) -> None:
    (private_pem, _), (_, other_public_pem) = key_pairs
    write_keys(base_dir, private_pem, other_public_pem)
    report = check_failure()
    assert "ninja_simple_jwt.E005" in report
    assert "make_rsa" in report


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o606], ids=oct)
def test_check_reports_a_private_key_others_can_read(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair], mode: int
) -> None:
    write_keys(base_dir, *key_pairs[0], private_mode=mode)
    report = check_failure()
    private_file, _ = key_files(base_dir)
    assert "ninja_simple_jwt.E006" in report
    assert str(private_file) in report
    assert "chmod 600" in report


# --- Requests while the keys are missing ---


def get_me(client: Client, access: str, refresh: str) -> Any:
    return client.get(url("me"), headers={"Authorization": f"Bearer {access}"})


{% if cookiecutter.mobile_auth %}
def post_mobile_sign_in(client: Client, access: str, refresh: str) -> Any:
    return client.post(
        url("mobile_signin"),
        {"username": "ada", "password": PASSWORD},
        content_type="application/json",
    )


def post_mobile_token_refresh(client: Client, access: str, refresh: str) -> Any:
    return client.post(
        url("mobile_token_refresh"), {"refresh": refresh}, content_type="application/json"
    )


{% endif %}
{% if cookiecutter.web_auth %}
def post_web_sign_in(client: Client, access: str, refresh: str) -> Any:
    return client.post(
        url("web_signin"),
        {"username": "ada", "password": PASSWORD},
        content_type="application/json",
    )


def post_web_token_refresh(client: Client, access: str, refresh: str) -> Any:
    client.cookies[get_jwt_settings().JWT_REFRESH_COOKIE_NAME] = refresh
    return client.post(url("web_token_refresh"))


{% endif %}
@pytest.mark.parametrize(
    "send",
    [
        pytest.param(get_me, id="me"),
{% if cookiecutter.mobile_auth %}
        pytest.param(post_mobile_sign_in, id="mobile_signin"),
        pytest.param(post_mobile_token_refresh, id="mobile_token_refresh"),
{% endif %}
{% if cookiecutter.web_auth %}
        pytest.param(post_web_sign_in, id="web_signin"),
        pytest.param(post_web_token_refresh, id="web_token_refresh"),
{% endif %}
    ],
)
def test_missing_keys_give_a_json_503_naming_make_rsa(
    settings: Any,
    tmp_path: Path,
    client: Client,
    access_token: str,
    refresh_token: str,
    send: Callable[[Client, str, str], Any],
) -> None:
    # Tokens minted while the keys existed; then the keys disappear.
    settings.BASE_DIR = tmp_path

    response = send(client, access_token, refresh_token)

    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "make_rsa" in response.json()["detail"]
    assert b"Traceback" not in response.content
    # No half-done sign-in: no refresh cookie without a token to put in it.
    assert get_jwt_settings().JWT_REFRESH_COOKIE_NAME not in response.cookies
