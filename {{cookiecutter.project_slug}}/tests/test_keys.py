"""The key pair: ``make_rsa``, the system checks that find broken keys, and the 503 without them.

Every test here works in its own empty BASE_DIR, so the suite's shared keys are never touched.
Keys are of the kind the project's JWT_ALGORITHM needs; test_algorithms.py covers every kind.
"""

import io
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from ninja_simple_jwt.jwt.jwk import key_fits_algorithm, key_id, private_key_pem
from ninja_simple_jwt.jwt.keys import generate_key_pair
from ninja_simple_jwt.jwt.tokens import mint_access_token
from ninja_simple_jwt.settings import JWT_ALGORITHMS, get_jwt_settings

from tests.conftest import CREDENTIALS, SIGN_IN, url
from tests.jwt_helpers import make_rsa

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


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), file_mode(path)) for path in directory.iterdir()}


def assert_key_pair_matches(private_pem: bytes, public_pem: bytes) -> None:
    """A PKCS#8 / SPKI PEM pair of the configured algorithm's kind, one belonging to the other."""
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(public_pem)
    algorithm = get_jwt_settings().JWT_ALGORITHM
    assert key_fits_algorithm(private_key, algorithm)
    assert key_fits_algorithm(public_key, algorithm)
    assert key_id(private_key.public_key()) == key_id(public_key)  # type: ignore[arg-type]


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
    public_key = serialization.load_pem_public_key(public_file.read_bytes())
    assert key_id(public_key) in output  # type: ignore[arg-type]


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
    assert "--rotate" in output
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


@pytest.fixture(scope="module")
def pairs_by_algorithm() -> dict[str, KeyPair]:
    """A (private PEM, public PEM) pair of every algorithm's kind, made once for the module."""
    return {algorithm: generate_key_pair(algorithm) for algorithm in JWT_ALGORITHMS}


def other_algorithms() -> list[str]:
    return [name for name in JWT_ALGORITHMS if name != get_jwt_settings().JWT_ALGORITHM]


@pytest.mark.parametrize("which", ["both", "private", "public"])
def test_check_reports_keys_of_the_wrong_kind_for_the_algorithm(
    base_dir: Path,
    key_pairs: tuple[KeyPair, KeyPair],
    pairs_by_algorithm: dict[str, KeyPair],
    which: str,
) -> None:
    private_file, public_file = key_files(base_dir)
    for other in other_algorithms():
        right_private, right_public = key_pairs[0]
        wrong_private, wrong_public = pairs_by_algorithm[other]
        write_keys(
            base_dir,
            wrong_private if which in ("both", "private") else right_private,
            wrong_public if which in ("both", "public") else right_public,
        )
        report = check_failure()
        assert "ninja_simple_jwt.E008" in report
        assert get_jwt_settings().JWT_ALGORITHM in report
        assert "make_rsa --force" in report
        if which != "public":
            assert str(private_file) in report
        if which != "private":
            assert str(public_file) in report


def test_check_reports_an_rsa_key_that_is_too_short(settings: Any, base_dir: Path) -> None:
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "JWT_ALGORITHM": "RS256"}
    short_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    public_pem = short_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write_keys(base_dir, private_key_pem(short_key), public_pem)
    report = check_failure()
    assert "ninja_simple_jwt.E004" in report
    assert "1024 bits" in report
    assert "make_rsa --force" in report


def test_check_reports_a_file_that_is_not_a_key(base_dir: Path) -> None:
    write_keys(base_dir, b"not a key", b"-----BEGIN PUBLIC KEY-----\ngarbage\n")
    report = check_failure()
    assert "ninja_simple_jwt.E004" in report
    assert "make_rsa --force" in report


def previous_keys_file(directory: Path) -> Path:
    return directory / get_jwt_settings().JWT_PREVIOUS_PUBLIC_KEYS_PATH


def garbled_documents(public_pem: bytes, other_public_pem: bytes, kid: str) -> dict[str, bytes]:
    entry = {"kid": kid, "retired_at": "2025-01-31T12:00:00Z", "pem": public_pem.decode()}
    documents: dict[str, Any] = {
        "not-json": b"{ not json",
        "not-utf8": b"\xff\xfe\x00",
        "array": [entry],
        "keys-not-a-list": {"keys": "none"},
        "entry-not-an-object": {"keys": ["key"]},
        "kid-missing": {"keys": [{**entry, "kid": None}]},
        "kid-not-its-keys-thumbprint": {"keys": [{**entry, "pem": other_public_pem.decode()}]},
        "pem-not-a-key": {"keys": [{**entry, "pem": "-----BEGIN PUBLIC KEY-----"}]},
        "retired-at-not-a-time": {"keys": [{**entry, "retired_at": "yesterday"}]},
        "retired-at-without-zone": {"keys": [{**entry, "retired_at": "2025-01-31T12:00:00"}]},
        "kid-twice": {"keys": [entry, entry]},
    }
    return {
        name: value if isinstance(value, bytes) else json.dumps(value).encode()
        for name, value in documents.items()
    }


def test_check_reports_a_garbled_previous_keys_document(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair]
) -> None:
    write_keys(base_dir, *key_pairs[0])
    old_public = key_pairs[1][1]
    kid = key_id(serialization.load_pem_public_key(old_public))  # type: ignore[arg-type]
    document = previous_keys_file(base_dir)
    for name, content in garbled_documents(old_public, key_pairs[0][1], kid).items():
        document.write_bytes(content)
        report = check_failure()
        assert "ninja_simple_jwt.E009" in report, name
        assert str(document) in report, name


def test_check_reports_a_previous_key_of_the_wrong_kind(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair], pairs_by_algorithm: dict[str, KeyPair]
) -> None:
    write_keys(base_dir, *key_pairs[0])
    for other in other_algorithms():
        other_public = pairs_by_algorithm[other][1]
        kid = key_id(serialization.load_pem_public_key(other_public))  # type: ignore[arg-type]
        entry = {"kid": kid, "retired_at": "2025-01-31T12:00:00Z", "pem": other_public.decode()}
        previous_keys_file(base_dir).write_text(json.dumps({"keys": [entry]}))
        report = check_failure()
        assert "ninja_simple_jwt.E009" in report
        assert get_jwt_settings().JWT_ALGORITHM in report


def test_check_reports_an_unreadable_previous_keys_document(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair]
) -> None:
    write_keys(base_dir, *key_pairs[0])
    previous_keys_file(base_dir).mkdir()  # exists, and cannot be read as a file
    report = check_failure()
    assert "ninja_simple_jwt.E009" in report
    assert str(previous_keys_file(base_dir)) in report


def test_keys_of_the_wrong_kind_give_a_json_503(
    settings: Any,
    tmp_path: Path,
    client: Client,
    access_token: str,
    pairs_by_algorithm: dict[str, KeyPair],
) -> None:
    # Tokens minted with the right keys; then keys of another kind replace them.
    settings.BASE_DIR = base_dir = tmp_path
    for other in other_algorithms():
        write_keys(base_dir, *pairs_by_algorithm[other])
        response = client.get(url("me"), headers={"Authorization": f"Bearer {access_token}"})
        assert response.status_code == 503, response.content[:300]
        assert "make_rsa" in response.json()["detail"]
        response = client.post(url(SIGN_IN), CREDENTIALS, content_type="application/json")
        assert response.status_code == 503, response.content[:300]


def test_a_token_of_the_wrong_algorithm_from_the_right_kid_is_refused(
    client: Client, user: Any, access_token: str, pairs_by_algorithm: dict[str, KeyPair]
) -> None:
    # A key of another kind signs a token naming its own thumbprint: unknown kid, 401.
    claims = jwt.decode(access_token, options={"verify_signature": False})
    for other in other_algorithms():
        private_pem, public_pem = pairs_by_algorithm[other]
        kid = key_id(serialization.load_pem_public_key(public_pem))  # type: ignore[arg-type]
        token = jwt.encode(claims, private_pem, algorithm=other, headers={"kid": kid})
        response = client.get(url("me"), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


# --- Requests while the keys are missing ---


def get_me(client: Client, access: str, refresh: str) -> Any:
    return client.get(url("me"), headers={"Authorization": f"Bearer {access}"})


{% if cookiecutter.mobile_auth %}
def post_mobile_sign_in(client: Client, access: str, refresh: str) -> Any:
    return client.post(url("mobile_signin"), CREDENTIALS, content_type="application/json")


def post_mobile_token_refresh(client: Client, access: str, refresh: str) -> Any:
    return client.post(
        url("mobile_token_refresh"), {"refresh": refresh}, content_type="application/json"
    )


{% endif %}
{% if cookiecutter.web_auth %}
def post_web_sign_in(client: Client, access: str, refresh: str) -> Any:
    return client.post(url("web_signin"), CREDENTIALS, content_type="application/json")


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


# --- Each key-file fault: named by the check, a JSON 503 (never a traceback), files untouched ---


def der_private_key(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# Each fault: the private key file's content (None: no file) and mode, whether the public key
# is the other pair's, the check's code, and whether requests are refused while it lasts.
KeyFault = tuple[Callable[[bytes], bytes | None], int, bool, str, bool]
E002, E004, E005, E006 = (f"ninja_simple_jwt.E00{number}" for number in (2, 4, 5, 6))
KEY_FAULTS: dict[str, KeyFault] = {
    "private-missing": (lambda pem: None, 0o600, False, E002, True),
    "private-empty": (lambda pem: b"", 0o600, False, E004, True),
    "private-truncated": (lambda pem: pem[: len(pem) // 2], 0o600, False, E004, True),
    "private-not-pem": (der_private_key, 0o600, False, E004, True),
    "private-readable-by-others": (lambda pem: pem, 0o644, False, E006, False),
    "public-not-matching": (lambda pem: pem, 0o600, True, E005, True),
}


def write_fault(directory: Path, key_pairs: tuple[KeyPair, KeyPair], fault: str) -> None:
    (private_pem, public_pem), (_, other_public_pem) = key_pairs
    content, mode, other_public, _, _ = KEY_FAULTS[fault]
    write_keys(directory, content(private_pem), other_public_pem if other_public else public_pem)
    private_file, _ = key_files(directory)
    if private_file.exists():
        private_file.chmod(mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("fault", list(KEY_FAULTS))
def test_check_names_each_key_fault_and_changes_nothing(
    base_dir: Path, key_pairs: tuple[KeyPair, KeyPair], fault: str
) -> None:
    write_fault(base_dir, key_pairs, fault)
    before = snapshot(base_dir)

    report = check_failure()

    assert KEY_FAULTS[fault][3] in report, report
    assert "make_rsa" in report or "chmod 600" in report, report  # and how to fix it
    if fault != "public-not-matching":  # a pair that does not match is told as such
        assert str(key_files(base_dir)[0]) in report, report
    assert snapshot(base_dir) == before


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("fault", list(KEY_FAULTS))
def test_each_key_fault_gives_json_not_a_traceback_and_changes_nothing(
    settings: Any,
    tmp_path: Path,
    client: Client,
    access_token: str,
    key_pairs: tuple[KeyPair, KeyPair],
    fault: str,
) -> None:
    # Tokens minted with the suite's keys; then the faulty files replace them.
    settings.BASE_DIR = tmp_path
    write_fault(tmp_path, key_pairs, fault)
    before = snapshot(tmp_path)
    refused = KEY_FAULTS[fault][4]

    me = client.get(url("me"), headers={"Authorization": f"Bearer {access_token}"})
    sign_in = client.post(url(SIGN_IN), CREDENTIALS, content_type="application/json")

    for response in (me, sign_in):
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        assert b"Traceback" not in response.content
        assert response.status_code in (200, 401, 503), response.content[:300]
        if response.status_code == 503:
            assert "make_rsa" in response.json()["detail"]
    # Signing needs a sound private key that belongs to the public key: else a 503, no tokens.
    assert sign_in.status_code == (503 if refused else 200), sign_in.content[:300]
    assert snapshot(tmp_path) == before

    output = make_rsa()  # a plain make_rsa never replaces what is there

    assert "nothing changed" in output
    assert snapshot(tmp_path) == before
