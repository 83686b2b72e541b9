"""Key rotation: ``make_jwt_key --rotate``, the previous keys, processes not restarted.

A rotation signs nobody out: the retired public key keeps verifying until no token it signed
can be alive. Another process is simulated in this one: the rotation is made without clearing
this process's key cache, as if by another process, and this process then meets the new keys.
Time stands still on the suite's fake clock (``clock``) until a test moves it.
"""

import io
import json
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from ninja_simple_jwt.conf import ALGORITHMS, get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.keys.algorithms import (
    PrivateKey,
    generate_private_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from ninja_simple_jwt.keys.cache import key_cache
from ninja_simple_jwt.keys.storage import RetiredKey, key_storage, serialize_previous_keys
from ninja_simple_jwt.tests.conftest import (
    CREDENTIALS,
    NOW,
    bearer,
    make_keys,
    mint,
    url,
    use_keys,
)
from ninja_simple_jwt.tests.forgery import b64url, claims_of, header_for, sign_claims
from ninja_simple_jwt.tests.keyfiles import (
    file_kid,
    file_mode,
    jwks_kids,
    key_file,
    keys_in,
    snapshot,
)
from ninja_simple_jwt.tokens import verify_token


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


def accepted(token: str) -> bool:
    """Whether this process accepts ``token`` as an access token."""
    try:
        verify_token(token, "access")
    except InvalidTokenError:
        return False
    return True


def whoami(client: Client, token: str) -> Any:
    return client.get(url("whoami"), headers=bearer(token))


def previous_kids() -> list[str]:
    return [entry["kid"] for entry in json.loads(key_file("previous").read_text())["keys"]]


def signed_by_key_file(path: Path, claims_from: str) -> str:
    """A token with the claims of ``claims_from``, signed by the private key in ``path``."""
    private_key = load_private_key(path.read_bytes(), get_jwt_settings().JWT_ALGORITHM)
    return sign_claims(claims_of(claims_from), private_key)


@pytest.fixture(scope="module")
def spare_key() -> PrivateKey:
    """A private key of the project's algorithm that no key file holds."""
    return generate_private_key(get_jwt_settings().JWT_ALGORITHM)


@pytest.fixture
def rotate_elsewhere(monkeypatch: pytest.MonkeyPatch) -> Callable[[], str]:
    """``make_jwt_key --rotate`` run by another process: this process's key cache is left as is."""

    def rotate() -> str:
        with monkeypatch.context() as patch:
            patch.setattr(key_cache, "clear", lambda: None)
            return make_keys("--rotate")

    return rotate


@pytest.fixture
def storage_reads(keys: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names looked up or read through the public key storage from now on."""
    storage = key_storage("public")
    reads: list[str] = []
    for method in ("open", "exists"):
        original = getattr(storage, method)

        def counting(name: str, *args: Any, _original: Any = original) -> Any:
            reads.append(name)
            return _original(name, *args)

        monkeypatch.setattr(storage, method, counting)
    yield reads


# --- make_jwt_key --rotate ---


def test_rotation_keeps_old_tokens_and_signs_new_ones_with_a_new_kid(
    algorithm: str, client: Client, user: Any
) -> None:
    old_kid = file_kid(key_file("public"))
    old_public_pem = key_file("public").read_text()
    old_access, old_refresh = mint(user, "access"), mint(user, "refresh")
    assert kid_of(old_access) == old_kid

    output = make_keys("--rotate")

    new_kid = file_kid(key_file("public"))
    assert new_kid != old_kid
    assert new_kid in output
    assert old_kid in output
    if os.name == "posix":
        assert file_mode(key_file("private")) == 0o600
    # The old public key is kept, with when it was retired.
    [entry] = json.loads(key_file("previous").read_text())["keys"]
    assert entry["kid"] == old_kid
    assert entry["pem"] == old_public_pem
    assert datetime.fromisoformat(entry["retired_at"]) == NOW.replace(microsecond=0)
    # Tokens issued before still work, refresh tokens included; new ones carry the new kid.
    assert whoami(client, old_access).status_code == 200
    refreshed = client.post(
        url("mobile_token_refresh"), {"refresh": old_refresh}, content_type="application/json"
    )
    assert refreshed.status_code == 200, refreshed.content
    assert kid_of(refreshed.json()["access"]) == new_kid
    assert whoami(client, refreshed.json()["access"]).status_code == 200
    # The JWK Set lists both, the current key first; and the checks are content.
    assert jwks_kids(client) == [new_kid, old_kid]
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_second_rotation_keeps_both_previous_keys(keys: Path, client: Client, user: Any) -> None:
    """Two rotations within a token lifetime: tokens of all three keys stay valid."""
    first_kid, first_token = file_kid(key_file("public")), mint(user, "access")
    make_keys("--rotate")
    second_kid, second_token = file_kid(key_file("public")), mint(user, "access")
    make_keys("--rotate")
    third_kid = file_kid(key_file("public"))

    assert sorted(previous_kids()) == sorted([first_kid, second_kid])
    kids = jwks_kids(client)
    assert kids[0] == third_kid
    assert sorted(kids) == sorted([first_kid, second_kid, third_kid])
    for token in (first_token, second_token, mint(user, "access")):
        assert accepted(token)


@pytest.mark.parametrize(
    ("retired_ago", "kept"),
    [
        pytest.param(timedelta(0), False, id="as-long-ago-as-a-token-can-live"),
        pytest.param(timedelta(seconds=-1), True, id="within-the-retention-period"),
    ],
)
def test_rotation_keeps_a_previous_key_while_a_token_it_signed_can_live(
    keys: Path, retired_ago: timedelta, kept: bool
) -> None:
    """The retention period is the refresh lifetime plus the access lifetime plus the leeway."""
    make_keys("--rotate")
    document = json.loads(key_file("previous").read_text())
    [entry] = document["keys"]
    retention = get_jwt_settings().retention_period
    entry["retired_at"] = (datetime.now(UTC) - retention - retired_ago).isoformat()
    key_file("previous").write_text(json.dumps(document))
    current_kid = file_kid(key_file("public"))

    output = make_keys("--rotate")

    assert sorted(previous_kids()) == sorted([current_kid, *([entry["kid"]] if kept else [])])
    assert f"{1 + kept} kept, {int(not kept)} expired and dropped" in output


def test_force_forgets_the_previous_keys(keys: Path, client: Client, user: Any) -> None:
    """``--force`` signs everyone out: the previous keys go too."""
    old_token = mint(user, "access")
    make_keys("--rotate")
    assert key_file("previous").exists()
    assert accepted(old_token)

    make_keys("--force")

    assert not key_file("previous").exists()
    assert not accepted(old_token)
    assert jwks_kids(client) == [file_kid(key_file("public"))]


def test_rotate_without_keys_creates_them(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = keys_in(tmp_path)

    output = make_keys("--rotate")

    assert sorted(tmp_path.iterdir()) == sorted([key_file("private"), key_file("public")])
    assert "no key to retire" in output
    assert file_kid(key_file("public")) in output


def test_make_jwt_key_alone_after_a_rotation_changes_nothing(keys: Path) -> None:
    make_keys("--rotate")
    before = snapshot(keys)

    assert "nothing changed" in make_keys()
    assert snapshot(keys) == before


def test_rotate_and_force_cannot_be_combined(keys: Path) -> None:
    """One signs nobody out, the other everyone: asking for both is an error, nothing changes."""
    before = snapshot(keys)
    with pytest.raises(CommandError, match="not allowed with"):
        call_command("make_jwt_key", "--rotate", "--force")
    assert snapshot(keys) == before


def test_rotate_refuses_keys_of_another_algorithm(
    settings: Any, tmp_path: Path, key_folders: dict[str, Path]
) -> None:
    """They could not verify anything once retired: changing algorithm takes --force."""
    stored, configured = ALGORITHMS[0], ALGORITHMS[1]
    folder = use_keys(settings, key_folders[stored], tmp_path / "keys", configured)
    before = snapshot(folder)

    with pytest.raises(CommandError, match="--force"):
        call_command("make_jwt_key", "--rotate")

    assert snapshot(folder) == before


def test_rotate_refuses_a_garbled_previous_keys_document(keys: Path) -> None:
    """Rewriting it would drop the keys it holds: the rotation stops, and says what to fix."""
    key_file("previous").write_text("{ not json")
    before = snapshot(keys)

    with pytest.raises(CommandError, match="previous-keys document"):
        call_command("make_jwt_key", "--rotate")

    assert snapshot(keys) == before


# --- A process that was not restarted ---


def test_a_running_process_accepts_and_adopts_the_new_key(
    keys: Path,
    client: Client,
    user: Any,
    clock: time_machine.Traveller,
    rotate_elsewhere: Callable[[], str],
) -> None:
    """Processes that were not restarted accept the new key's tokens and then sign with it."""
    old_token = mint(user, "access")  # this process has loaded the old keys
    assert accepted(old_token)
    old_kid = kid_of(old_token)

    clock.shift(1)
    rotate_elsewhere()
    new_kid = file_kid(key_file("public"))
    # Nothing told this process yet: it still signs with the key it loaded.
    assert kid_of(mint(user, "access")) == old_kid

    # Long before the reload interval is over, the first token with the new kid arrives,
    # signed by the process that rotated. The interval counts from the last reload that an
    # unknown kid caused, not from when the keys were loaded: this process reloads at once.
    clock.shift(1)
    new_token = signed_by_key_file(key_file("private"), old_token)
    assert kid_of(new_token) == new_kid
    assert whoami(client, new_token).status_code == 200

    # It now signs with the new key, and still accepts the old one.
    assert kid_of(mint(user, "access")) == new_kid
    assert accepted(old_token)
    assert jwks_kids(client) == [new_kid, old_kid]


def test_a_running_process_that_only_verified_signs_with_the_new_key(
    keys: Path, user: Any, rotate_elsewhere: Callable[[], str]
) -> None:
    """Its verification keys predate the rotation; its first signing key does not."""
    old_token = mint(user, "access")
    key_cache.clear()
    assert accepted(old_token)  # this process has loaded the old public key, and signed nothing
    rotate_elsewhere()

    new_token = mint(user, "access")

    assert kid_of(new_token) == file_kid(key_file("public"))
    assert accepted(new_token)
    assert accepted(old_token)


def unknown_kid_token(access_token: str, signing_key: PrivateKey) -> str:
    """A token signed by our key that names a kid nobody has."""
    header = header_for(signing_key, kid=b64url(secrets.token_bytes(32)))
    return sign_claims(claims_of(access_token), signing_key, header=header)


def test_a_flood_of_unknown_kids_reads_storage_once_per_interval(
    storage_reads: list[str], user: Any, clock: time_machine.Traveller
) -> None:
    """Made-up key ids cannot turn requests into storage reads (S3 calls, disk reads)."""
    access_token = mint(user, "access")
    assert accepted(access_token)  # keys loaded
    signing_key = key_cache.signing_key().private_key
    storage_reads.clear()
    interval = get_jwt_settings().JWT_KEY_RELOAD_INTERVAL.total_seconds()
    public_name = get_jwt_settings().JWT_PUBLIC_KEY_PATH

    def flood() -> None:
        for _ in range(50):
            assert not accepted(unknown_kid_token(access_token, signing_key))

    flood()
    assert storage_reads.count(public_name) == 1  # the first unknown kid reloads at once
    clock.shift(interval - 1)
    flood()
    assert storage_reads.count(public_name) == 1
    clock.shift(1)
    flood()
    assert storage_reads.count(public_name) == 2
    # Known kids never touch storage.
    assert accepted(access_token)
    assert storage_reads.count(public_name) == 2


@pytest.mark.parametrize(
    "header_changes",
    [
        pytest.param({"kid": "../../etc/passwd"}, id="kid-path-traversal"),
        pytest.param({"kid": "A" * 4000}, id="kid-of-absurd-length"),
        pytest.param({"kid": "A" * 44}, id="kid-one-character-too-long"),
        pytest.param({"kid": 7}, id="kid-not-a-string"),
        pytest.param({"kid": None}, id="kid-missing"),
        pytest.param({"alg": "HS256"}, id="another-algorithm"),
        pytest.param({"crit": ["exp"]}, id="crit"),
    ],
)
def test_malformed_headers_never_reach_storage(
    storage_reads: list[str], user: Any, header_changes: dict[str, Any]
) -> None:
    """SECURITY.md 10: refused before any key lookup, where an unknown kid would reload now."""
    access_token = mint(user, "access")
    assert accepted(access_token)  # keys loaded
    storage_reads.clear()
    signing_key = key_cache.signing_key().private_key
    header = {**header_for(signing_key), **header_changes}
    header = {name: value for name, value in header.items() if value is not None}
    algorithm = get_jwt_settings().JWT_ALGORITHM
    token = sign_claims(claims_of(access_token), signing_key, header=header, algorithm=algorithm)

    assert not accepted(token)
    assert storage_reads == []


def test_the_jwk_set_of_a_running_process_catches_up_within_an_interval(
    keys: Path, client: Client, clock: time_machine.Traveller, rotate_elsewhere: Callable[[], str]
) -> None:
    """Verifiers elsewhere learn the new key from any process within one reload interval."""
    old_kid = file_kid(key_file("public"))
    assert jwks_kids(client) == [old_kid]
    rotate_elsewhere()
    new_kid = file_kid(key_file("public"))
    interval = get_jwt_settings().JWT_KEY_RELOAD_INTERVAL.total_seconds()

    clock.shift(interval - 1)
    assert jwks_kids(client) == [old_kid]
    clock.shift(1)
    assert jwks_kids(client) == [new_kid, old_kid]


def test_a_clock_that_went_back_counts_as_an_interval_passed(
    keys: Path, client: Client, clock: time_machine.Traveller, rotate_elsewhere: Callable[[], str]
) -> None:
    """The wall clock can be set back: keys loaded "in the future" are not kept for longer."""
    old_kid = file_kid(key_file("public"))
    assert jwks_kids(client) == [old_kid]
    rotate_elsewhere()

    clock.shift(-1)

    assert jwks_kids(client) == [file_kid(key_file("public")), old_kid]


def test_a_running_process_signs_with_the_new_key_within_an_interval(
    keys: Path, user: Any, clock: time_machine.Traveller, rotate_elsewhere: Callable[[], str]
) -> None:
    """It never has to meet a token of the new key: JWT_KEY_RELOAD_INTERVAL bounds the wait."""
    old_kid = file_kid(key_file("public"))
    assert jwt.get_unverified_header(mint(user, "access"))["kid"] == old_kid
    rotate_elsewhere()
    interval = get_jwt_settings().JWT_KEY_RELOAD_INTERVAL.total_seconds()

    clock.shift(interval - 1)
    assert jwt.get_unverified_header(mint(user, "access"))["kid"] == old_kid
    clock.shift(1)
    assert jwt.get_unverified_header(mint(user, "access"))["kid"] == file_kid(key_file("public"))


def test_unreachable_key_storage_stops_signing_not_verifying(
    keys: Path, user: Any, client: Client, clock: time_machine.Traveller
) -> None:
    """After the interval the keys must be read again: if they cannot be, no token is signed
    with a key that may have been replaced (503), and tokens keep verifying from memory. The
    next attempt is an interval later, even if the storage answers again before."""
    access = mint(user, "access")
    moved = key_file("public").rename(keys / "moved-away.pub")  # the storage answers nothing
    interval = get_jwt_settings().JWT_KEY_RELOAD_INTERVAL.total_seconds()

    def sign_in() -> Any:
        return client.post(url("mobile_signin"), CREDENTIALS, content_type="application/json")

    clock.shift(interval)
    response = sign_in()
    assert response.status_code == 503
    assert "make_jwt_key" in response.json()["detail"]
    assert client.get(url("whoami"), headers=bearer(access)).status_code == 200
    moved.rename(key_file("public"))
    clock.shift(interval - 1)
    assert sign_in().status_code == 503
    clock.shift(1)
    assert sign_in().status_code == 200


def test_tokens_signed_during_a_rotation_verify(
    keys: Path, user: Any, spare_key: PrivateKey
) -> None:
    """Between writing the new public key and the new private key, the old private key signs."""
    old_kid = file_kid(key_file("public"))
    algorithm = get_jwt_settings().JWT_ALGORITHM
    old_public = load_public_key(key_file("public").read_bytes(), algorithm)
    retired = RetiredKey(old_kid, old_public, datetime.now(UTC))
    # What make_jwt_key --rotate writes first: the previous keys, then the new public key...
    key_file("previous").write_bytes(serialize_previous_keys([retired]))
    key_file("public").write_bytes(public_key_pem(spare_key.public_key()))
    key_cache.clear()

    during = mint(user, "access")
    assert kid_of(during) == old_kid
    assert accepted(during)

    # ...and the new private key last: from then on, tokens carry the new kid.
    key_file("private").write_bytes(private_key_pem(spare_key))
    after = mint(user, "access")
    assert kid_of(after) == key_id(spare_key.public_key())
    assert accepted(after)
    assert accepted(during)


def test_a_garbled_previous_keys_document_does_not_stop_current_tokens(
    keys: Path, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the previous keys' tokens are refused; the error is logged."""
    old_token = mint(user, "access")
    make_keys("--rotate")
    current_token = mint(user, "access")
    key_file("previous").write_text("{ not json")
    key_cache.clear()

    assert accepted(current_token)
    assert not accepted(old_token)
    assert "previous-keys document" in caplog.text
