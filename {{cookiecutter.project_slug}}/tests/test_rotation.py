"""Key rotation: ``make_rsa --rotate``, the previous keys, and processes that were not restarted.

A second process is simulated in this one: its key cache holds the keys it loaded before the
rotation (the rotation is made with ``clear_key_cache`` switched off, as if by another process),
then it meets the rotated keys. Time is the key cache's clock, replaced where a test needs it.
"""

import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from ninja_simple_jwt.jwt import keys as keys_module
from ninja_simple_jwt.jwt.jwk import key_id
from ninja_simple_jwt.jwt.keys import get_signing_key, key_cache, retention_period
from ninja_simple_jwt.jwt.tokens import mint_access_token, mint_refresh_token
from ninja_simple_jwt.settings import get_jwt_settings
from ninja_simple_jwt.storage import public_key_storage

from tests.conftest import url
from tests.jwt_helpers import (
    ALGORITHMS,
    b64url,
    configured_algorithm,
    header_for,
    make_key_folders,
    make_rsa,
    sign_claims,
    use_keys,
)


@pytest.fixture(scope="module")
def key_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_key_folders(tmp_path_factory.mktemp("rotation"))


@pytest.fixture
def keys(settings: Any, tmp_path: Path, key_folders: dict[str, Path]) -> Path:
    """A copy of a key pair of the project's own algorithm, for this test alone."""
    algorithm = configured_algorithm()
    return use_keys(settings, key_folders[algorithm], tmp_path / "keys", algorithm)


@pytest.fixture(params=ALGORITHMS)
def keys_of_each_algorithm(
    request: pytest.FixtureRequest, settings: Any, tmp_path: Path, key_folders: dict[str, Path]
) -> Path:
    return use_keys(settings, key_folders[request.param], tmp_path / "keys", request.param)


class FakeClock:
    """Stands in for the key cache's monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(key_cache, "clock", fake)
    return fake


@pytest.fixture
def public_key_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names read through the public key storage from now on."""
    reads: list[str] = []
    original_open = public_key_storage.open

    def counting_open(name: str, mode: str = "rb") -> Any:
        reads.append(name)
        return original_open(name, mode)

    monkeypatch.setattr(public_key_storage, "open", counting_open)
    return reads


@pytest.fixture
def rotate_elsewhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """``make_rsa --rotate`` run by another process: this process's key cache is left as is."""

    def rotate() -> str:
        with monkeypatch.context() as patch:
            patch.setattr(keys_module, "clear_key_cache", lambda: None)
            return make_rsa("--rotate")

    yield rotate


def file_kid(path: Path) -> str:
    return key_id(serialization.load_pem_public_key(path.read_bytes()))  # type: ignore[arg-type]


def public_file(directory: Path) -> Path:
    return directory / get_jwt_settings().JWT_PUBLIC_KEY_PATH


def private_file(directory: Path) -> Path:
    return directory / get_jwt_settings().JWT_PRIVATE_KEY_PATH


def previous_file(directory: Path) -> Path:
    return directory / get_jwt_settings().JWT_PREVIOUS_PUBLIC_KEYS_PATH


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def get_me(client: Client, token: str) -> Any:
    return client.get(url("me"), headers={"Authorization": f"Bearer {token}"})


def refresh(client: Client, refresh_token: str) -> Any:
{% if cookiecutter.mobile_auth %}
    return client.post(
        url("mobile_token_refresh"), {"refresh": refresh_token}, content_type="application/json"
    )
{% else %}
    client.cookies[get_jwt_settings().JWT_REFRESH_COOKIE_NAME] = refresh_token
    return client.post(url("web_token_refresh"))
{% endif %}


def jwks_kids(client: Client) -> list[str]:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return [jwk["kid"] for jwk in response.json()["keys"]]


def token_signed_by_key_file(path: Path, claims_from: str) -> str:
    """A token like ``claims_from``, signed by the private key in ``path`` (another process)."""
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    claims = jwt.decode(claims_from, options={"verify_signature": False})
    return sign_claims(claims, private_key)  # type: ignore[arg-type]


def unknown_kid_token(access_token: str) -> str:
    """A well-formed token signed by our key, naming a kid nobody has."""
    claims = jwt.decode(access_token, options={"verify_signature": False})
    signing_key = get_signing_key()
    header = header_for(signing_key, kid=b64url(secrets.token_bytes(32)))
    return sign_claims(claims, signing_key, header=header)


# --- make_rsa --rotate ---


def test_rotation_keeps_old_tokens_and_signs_new_ones_with_a_new_kid(
    keys_of_each_algorithm: Path, client: Client, user: Any
) -> None:
    directory = keys_of_each_algorithm
    old_kid = file_kid(public_file(directory))
    old_public_pem = public_file(directory).read_text()
    old_access, old_refresh = mint_access_token(user), mint_refresh_token(user)
    assert kid_of(old_access) == old_kid

    before = datetime.now(UTC).replace(microsecond=0)
    output = make_rsa("--rotate")

    new_kid = file_kid(public_file(directory))
    assert new_kid != old_kid
    assert new_kid in output
    assert old_kid in output
    if os.name == "posix":
        assert stat.S_IMODE(private_file(directory).stat().st_mode) == 0o600
    # The old public key is kept, with when it was retired.
    [entry] = json.loads(previous_file(directory).read_text())["keys"]
    assert entry["kid"] == old_kid
    assert entry["pem"] == old_public_pem
    retired_at = datetime.fromisoformat(entry["retired_at"])
    assert before <= retired_at <= datetime.now(UTC)

    # Tokens issued before still work, refresh tokens included.
    assert get_me(client, old_access).status_code == 200
    refreshed = refresh(client, old_refresh)
    assert refreshed.status_code == 200, refreshed.content
    # New tokens carry the new kid.
    assert kid_of(refreshed.json()["access"]) == new_kid
    new_access = mint_access_token(user)
    assert kid_of(new_access) == new_kid
    assert get_me(client, new_access).status_code == 200
    # The JWK Set lists both, the current key first.
    assert jwks_kids(client) == [new_kid, old_kid]
    call_command("check", stdout=None, stderr=None)


def test_a_second_rotation_keeps_both_previous_keys(keys: Path, client: Client, user: Any) -> None:
    first_kid = file_kid(public_file(keys))
    first_token = mint_access_token(user)
    make_rsa("--rotate")
    second_kid = file_kid(public_file(keys))
    second_token = mint_access_token(user)
    make_rsa("--rotate")
    third_kid = file_kid(public_file(keys))

    kept = [entry["kid"] for entry in json.loads(previous_file(keys).read_text())["keys"]]
    assert sorted(kept) == sorted([first_kid, second_kid])
    assert jwks_kids(client)[0] == third_kid
    assert set(jwks_kids(client)) == {first_kid, second_kid, third_kid}
    for token in (first_token, second_token, mint_access_token(user)):
        assert get_me(client, token).status_code == 200


def test_rotation_drops_previous_keys_that_no_live_token_can_need(keys: Path) -> None:
    retention = retention_period(get_jwt_settings())
    expired_pem, expired_kid = public_file(keys).read_text(), file_kid(public_file(keys))
    make_rsa("--rotate")
    current_kid = file_kid(public_file(keys))
    # The first key was retired just longer ago than any token it signed can live.
    retired_at = datetime.now(UTC) - retention - timedelta(minutes=1)
    entry = {"kid": expired_kid, "pem": expired_pem, "retired_at": retired_at.isoformat()}
    previous_file(keys).write_text(json.dumps({"keys": [entry]}))

    output = make_rsa("--rotate")

    kept = [item["kid"] for item in json.loads(previous_file(keys).read_text())["keys"]]
    assert kept == [current_kid]
    assert "1 kept, 1 expired and dropped" in output


def test_a_key_retired_within_the_retention_period_is_kept(keys: Path) -> None:
    retention = retention_period(get_jwt_settings())
    make_rsa("--rotate")
    document = json.loads(previous_file(keys).read_text())
    [entry] = document["keys"]
    entry["retired_at"] = (datetime.now(UTC) - retention + timedelta(minutes=5)).isoformat()
    previous_file(keys).write_text(json.dumps(document))

    make_rsa("--rotate")

    kept = [item["kid"] for item in json.loads(previous_file(keys).read_text())["keys"]]
    assert entry["kid"] in kept
    assert len(kept) == 2


def test_force_forgets_the_previous_keys(keys: Path, client: Client, user: Any) -> None:
    old_token = mint_access_token(user)
    make_rsa("--rotate")
    assert previous_file(keys).exists()
    assert get_me(client, old_token).status_code == 200

    make_rsa("--force")

    assert not previous_file(keys).exists()
    assert get_me(client, old_token).status_code == 401
    assert len(jwks_kids(client)) == 1


def test_rotate_without_keys_creates_them(settings: Any, tmp_path: Path) -> None:
    settings.BASE_DIR = tmp_path
    output = make_rsa("--rotate")
    assert public_file(tmp_path).exists()
    assert private_file(tmp_path).exists()
    assert not previous_file(tmp_path).exists()
    assert "no key to retire" in output
    assert file_kid(public_file(tmp_path)) in output


def test_make_rsa_alone_after_a_rotation_changes_nothing(keys: Path) -> None:
    make_rsa("--rotate")
    before = {path.name: path.read_bytes() for path in keys.iterdir()}
    output = make_rsa()
    assert "nothing changed" in output
    assert {path.name: path.read_bytes() for path in keys.iterdir()} == before


def test_rotate_and_force_cannot_be_combined(keys: Path) -> None:
    with pytest.raises(CommandError):
        call_command("make_rsa", "--rotate", "--force")


def test_rotate_refuses_keys_of_another_algorithm(
    settings: Any, tmp_path: Path, key_folders: dict[str, Path]
) -> None:
    # Keys made for another algorithm cannot be kept for verification: changing the algorithm
    # takes make_rsa --force. Nothing is changed.
    other = next(name for name in ALGORITHMS if name != configured_algorithm())
    directory = use_keys(settings, key_folders[other], tmp_path / "keys", other)
    # The project moves to its own algorithm, while the stored keys are of the other kind.
    settings.NINJA_SIMPLE_JWT = {
        **settings.NINJA_SIMPLE_JWT,
        "JWT_ALGORITHM": next(name for name in ALGORITHMS if name != other),
    }
    before = {path.name: path.read_bytes() for path in directory.iterdir()}
    with pytest.raises(CommandError, match="--force"):
        call_command("make_rsa", "--rotate")
    assert {path.name: path.read_bytes() for path in directory.iterdir()} == before


def test_rotate_refuses_a_garbled_previous_keys_document(keys: Path) -> None:
    previous_file(keys).write_text("{ not json")
    before = {path.name: path.read_bytes() for path in keys.iterdir()}
    with pytest.raises(CommandError, match="previous-keys document"):
        call_command("make_rsa", "--rotate")
    assert {path.name: path.read_bytes() for path in keys.iterdir()} == before


# --- A process that was not restarted ---


def test_a_running_process_accepts_and_adopts_the_new_key(
    keys: Path,
    client: Client,
    user: Any,
    clock: FakeClock,
    rotate_elsewhere: Callable[[], str],
) -> None:
    old_token = mint_access_token(user)  # this process has loaded and cached the old keys
    assert get_me(client, old_token).status_code == 200
    old_kid = kid_of(old_token)

    clock.advance(1)
    rotate_elsewhere()
    new_kid = file_kid(public_file(keys))
    # Nothing told this process yet: it still signs with the key it loaded.
    assert kid_of(mint_access_token(user)) == old_kid

    # One second later (long before the reload interval is over), the first token with the new
    # kid arrives, signed by the process that rotated. Rate-limiting counts from the last
    # kid-triggered reload, not from when the process started, so it reloads.
    clock.advance(1)
    new_token = token_signed_by_key_file(private_file(keys), old_token)
    assert kid_of(new_token) == new_kid
    assert get_me(client, new_token).status_code == 200

    # The process now signs with the new key, and still accepts the old one.
    assert kid_of(mint_access_token(user)) == new_kid
    assert get_me(client, old_token).status_code == 200
    assert jwks_kids(client) == [new_kid, old_kid]


def test_a_flood_of_unknown_kids_reads_storage_once_per_interval(
    keys: Path,
    client: Client,
    access_token: str,
    clock: FakeClock,
    public_key_reads: list[str],
) -> None:
    assert get_me(client, access_token).status_code == 200  # keys loaded
    public_key_reads.clear()
    interval = get_jwt_settings().JWT_UNKNOWN_KID_RELOAD_INTERVAL.total_seconds()
    public_name = get_jwt_settings().JWT_PUBLIC_KEY_PATH

    def flood(count: int) -> None:
        for _ in range(count):
            assert get_me(client, unknown_kid_token(access_token)).status_code == 401

    flood(50)
    assert public_key_reads.count(public_name) == 1  # the first unknown kid reloads at once
    clock.advance(interval - 1)
    flood(50)
    assert public_key_reads.count(public_name) == 1
    clock.advance(1)
    flood(50)
    assert public_key_reads.count(public_name) == 2
    # Known kids never touch storage.
    assert get_me(client, access_token).status_code == 200
    assert public_key_reads.count(public_name) == 2


@pytest.mark.parametrize(
    "header_changes",
    [
        pytest.param({"kid": "../../etc/passwd"}, id="path-traversal"),
        pytest.param({"kid": "A" * 4000}, id="absurd-length"),
        pytest.param({"kid": "A" * 44}, id="one-character-too-long"),
        pytest.param({"kid": 7}, id="not-a-string"),
        pytest.param({"kid": None}, id="missing"),
        pytest.param({"alg": "HS256"}, id="other-algorithm"),
        pytest.param({"crit": ["exp"]}, id="crit"),
    ],
)
def test_malformed_headers_never_reach_storage(
    keys: Path,
    client: Client,
    access_token: str,
    clock: FakeClock,
    public_key_reads: list[str],
    header_changes: dict[str, Any],
) -> None:
    assert get_me(client, access_token).status_code == 200  # keys loaded
    public_key_reads.clear()
    claims = jwt.decode(access_token, options={"verify_signature": False})
    signing_key = get_signing_key()
    header = {**header_for(signing_key), **header_changes}
    header = {name: value for name, value in header.items() if value is not None}
    token = sign_claims(claims, signing_key, header=header, algorithm=configured_algorithm())
    for _ in range(3):
        clock.advance(3600)
        assert get_me(client, token).status_code == 401
    assert get_me(client, "not.a.token").status_code == 401
    assert public_key_reads == []


def test_the_jwk_set_of_a_running_process_catches_up_within_an_interval(
    keys: Path, client: Client, clock: FakeClock, rotate_elsewhere: Callable[[], str]
) -> None:
    old_kid = file_kid(public_file(keys))
    assert jwks_kids(client) == [old_kid]
    rotate_elsewhere()
    new_kid = file_kid(public_file(keys))
    interval = get_jwt_settings().JWT_UNKNOWN_KID_RELOAD_INTERVAL.total_seconds()

    clock.advance(interval - 1)
    assert jwks_kids(client) == [old_kid]
    clock.advance(1)
    assert jwks_kids(client) == [new_kid, old_kid]


def test_tokens_signed_during_a_rotation_verify(
    keys: Path, client: Client, user: Any, key_folders: dict[str, Path]
) -> None:
    """Between writing the new public key and the new private key, the old private key signs."""
    from ninja_simple_jwt.jwt.jwk import generate_private_key, private_key_pem, public_key_pem
    from ninja_simple_jwt.jwt.previous_keys import PreviousPublicKey, serialize_previous_keys

    old_kid = file_kid(public_file(keys))
    old_public = serialization.load_pem_public_key(public_file(keys).read_bytes())
    new_private = generate_private_key(configured_algorithm())  # type: ignore[arg-type]
    retired = PreviousPublicKey.retire(old_public, datetime.now(UTC))  # type: ignore[arg-type]
    # What make_rsa --rotate writes first: the previous keys, then the new public key...
    previous_file(keys).write_bytes(serialize_previous_keys([retired]))
    public_file(keys).write_bytes(public_key_pem(new_private.public_key()))
    keys_module.clear_key_cache()

    during = mint_access_token(user)
    assert kid_of(during) == old_kid
    assert get_me(client, during).status_code == 200

    # ...and the new private key last: from then on, tokens carry the new kid.
    private_file(keys).write_bytes(private_key_pem(new_private))
    after = mint_access_token(user)
    assert kid_of(after) == key_id(new_private.public_key())
    assert get_me(client, after).status_code == 200
    assert get_me(client, during).status_code == 200


def test_a_private_key_without_its_public_key_gives_a_503(
    keys: Path, client: Client, user: Any, key_folders: dict[str, Path]
) -> None:
    from ninja_simple_jwt.jwt.jwk import generate_private_key, private_key_pem

    private_file(keys).write_bytes(
        private_key_pem(generate_private_key(configured_algorithm()))  # type: ignore[arg-type]
    )
    keys_module.clear_key_cache()
    from tests.conftest import CREDENTIALS, SIGN_IN

    response = client.post(url(SIGN_IN), CREDENTIALS, content_type="application/json")
    assert response.status_code == 503
    assert "make_rsa" in response.json()["detail"]


def test_a_garbled_previous_keys_document_does_not_stop_current_tokens(
    keys: Path, client: Client, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    old_token = mint_access_token(user)
    make_rsa("--rotate")
    current_token = mint_access_token(user)
    previous_file(keys).write_text("{ not json")
    keys_module.clear_key_cache()

    assert get_me(client, current_token).status_code == 200
    assert get_me(client, old_token).status_code == 401
    assert "previous-keys document" in caplog.text
