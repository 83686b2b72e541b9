"""The key pair: ``make_jwt_key``, the checks that name each fault, the storages, the key ids.

The private key must stay private (SECURITY.md 18): ``make_jwt_key`` creates it 0600 whatever the
umask, and ``manage.py check`` reports it when others can read it. Every fault of the key files
is reported with its check ID and the command that fixes it, is answered over HTTP in JSON (a
503 where the keys are needed, never a traceback), and changes nothing on disk, not even through
``make_jwt_key``, which replaces keys only with ``--force``. The keys are read and written through
the storages that ``JWT_PRIVATE_KEY_STORAGE`` / ``JWT_PUBLIC_KEY_STORAGE`` name.

Each test works on its own copy of a key pair (the ``keys`` fixture) or in an empty folder.
"""

import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import Client
from ninja_simple_jwt.conf import ALGORITHMS, Algorithm, get_jwt_settings
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.keys.algorithms import (
    WrongKeyKindError,
    generate_private_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
)
from ninja_simple_jwt.keys.cache import key_cache
from ninja_simple_jwt.keys.storage import KeyFileStorage
from ninja_simple_jwt.tests.conftest import (
    CREDENTIALS,
    UNAUTHORIZED,
    bearer,
    make_keys,
    mint,
    url,
    use_keys,
)
from ninja_simple_jwt.tests.forgery import b64url, b64url_decode
from ninja_simple_jwt.tests.keyfiles import (
    POSIX_ONLY,
    KeyFile,
    file_kid,
    file_mode,
    key_file,
    keys_in,
    snapshot,
)
from ninja_simple_jwt.tokens import verify_token

E002, E003, E004, E005, E006, E008, E009 = (
    f"ninja_simple_jwt.E00{number}" for number in (2, 3, 4, 5, 6, 8, 9)
)
# django-ninja's answer when HttpJwtAuth turns a request away.
KEYS_UNAVAILABLE = {"detail": KeysUnavailableError.detail}
# The fixes the reports give.
MAKE_RSA = "Run `python manage.py make_jwt_key`."
MAKE_RSA_FORCE = "Run `python manage.py make_jwt_key --force`"
FOR_THE_ALGORITHM = "Run `python manage.py make_jwt_key --force` to make keys for {algorithm}"


def check_report() -> tuple[set[str], str]:
    """The IDs that ``manage.py check`` reports, which must fail, and its whole report."""
    with pytest.raises(SystemCheckError) as failure:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    report = str(failure.value)
    return set(re.findall(r"ninja_simple_jwt\.[EW]\d{3}", report)), report


def other_algorithm() -> Algorithm:
    algorithm = get_jwt_settings().JWT_ALGORITHM
    return ALGORITHMS[(ALGORITHMS.index(algorithm) + 1) % len(ALGORITHMS)]


def pem_pair(folder: Path) -> tuple[bytes, bytes]:
    """The (private, public) PEM of the key pair in ``folder``."""
    return key_file("private", folder).read_bytes(), key_file("public", folder).read_bytes()


@dataclass(frozen=True)
class KeyPair:
    """The key files of one test (a copy of a good pair), and keys to break them with."""

    private: Path
    public: Path
    # The public key of another pair of the same algorithm.
    foreign_public: bytes
    # A (private, public) PEM pair of another algorithm's kind.
    other_kind: tuple[bytes, bytes]


@pytest.fixture(scope="module")
def foreign_public() -> bytes:
    return public_key_pem(generate_private_key(get_jwt_settings().JWT_ALGORITHM).public_key())


@pytest.fixture
def pair(keys: Path, foreign_public: bytes, key_folders: dict[str, Path]) -> KeyPair:
    return KeyPair(
        key_file("private"),
        key_file("public"),
        foreign_public,
        pem_pair(key_folders[other_algorithm()]),
    )


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """``umask(mask)`` sets the process's umask until the test ends."""
    previous = os.umask(0o077)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


# --- make_jwt_key ---


@POSIX_ONLY
def test_make_jwt_key_creates_both_keys_the_private_one_owner_only(
    settings: Any, tmp_path: Path, umask: Callable[[int], int]
) -> None:
    """SECURITY.md 18: the private key is 0600 from the start, whatever the caller's umask."""
    settings.STORAGES = keys_in(tmp_path)
    umask(0)

    output = make_keys()

    private, public = key_file("private"), key_file("public")
    assert sorted(tmp_path.iterdir()) == sorted([private, public])
    assert file_mode(private) == 0o600
    # One pair, of the algorithm's kind (loading checks the kind).
    private_key = load_private_key(private.read_bytes(), get_jwt_settings().JWT_ALGORITHM)
    kid = key_id(private_key.public_key())
    assert file_kid(public) == kid
    for shown in (str(private), str(public), kid):
        assert shown in output


KINDS: dict[str, tuple[type, type]] = {
    "RS256": (rsa.RSAPrivateKey, rsa.RSAPublicKey),
    "ES256": (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey),
    "EdDSA": (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey),
}


@pytest.mark.parametrize("name", ALGORITHMS)
def test_make_jwt_key_makes_keys_of_the_algorithms_kind(
    name: str, key_folders: dict[str, Path]
) -> None:
    """``key_folders`` holds what the real ``make_jwt_key`` made under each algorithm."""
    private_pem, public_pem = pem_pair(key_folders[name])
    # PKCS#8 and SubjectPublicKeyInfo, whatever the algorithm.
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(public_pem)
    private_kind, public_kind = KINDS[name]
    assert isinstance(private_key, private_kind)
    assert isinstance(public_key, public_kind)
    if isinstance(public_key, rsa.RSAPublicKey):
        assert public_key.key_size == 2048
        assert public_key.public_numbers().e == 65537
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        assert isinstance(public_key.curve, ec.SECP256R1)
    assert key_id(private_key.public_key()) == key_id(public_key)  # type: ignore[arg-type]
    if os.name == "posix":
        assert file_mode(key_file("private", key_folders[name])) == 0o600


@pytest.mark.parametrize("name", ALGORITHMS)
def test_an_algorithm_loads_only_keys_of_its_kind(
    name: Algorithm, key_folders: dict[str, Path]
) -> None:
    """The kind check behind E008 and the 503s: a key of another kind never signs or verifies."""
    for kind, folder in key_folders.items():
        private_pem, public_pem = pem_pair(folder)
        if kind == name:
            public_key = load_private_key(private_pem, name).public_key()
            assert key_id(public_key) == key_id(load_public_key(public_pem, name))
            continue
        with pytest.raises(WrongKeyKindError, match=name):
            load_private_key(private_pem, name)
        with pytest.raises(WrongKeyKindError, match=name):
            load_public_key(public_pem, name)


def test_make_jwt_key_changes_nothing_when_keys_exist(keys: Path) -> None:
    """Replacing a key pair signs everyone out: only ``--force`` does it, as the output says."""
    before = snapshot(keys)

    output = make_keys()

    assert snapshot(keys) == before
    assert "nothing changed" in output
    for shown in (str(key_file("private")), str(key_file("public")), "--rotate", "--force"):
        assert shown in output


def test_make_jwt_key_force_replaces_the_keys_and_signs_everyone_out(
    keys: Path, client: Client, user: Any
) -> None:
    """The way to sign everyone out at once, or to change algorithm: tokens of the old key die."""
    old_private, old_public = pem_pair(keys)
    old_token = mint(user, "access")
    assert client.get(url("whoami"), headers=bearer(old_token)).status_code == 200

    output = make_keys("--force")

    new_private, new_public = pem_pair(keys)
    assert new_private != old_private
    assert new_public != old_public
    algorithm = get_jwt_settings().JWT_ALGORITHM
    new_kid = key_id(load_private_key(new_private, algorithm).public_key())
    assert file_kid(key_file("public")) == new_kid
    assert new_kid in output
    if os.name == "posix":
        assert file_mode(key_file("private")) == 0o600
    response = client.get(url("whoami"), headers=bearer(old_token))
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert client.get(url("whoami"), headers=bearer(mint(user, "access"))).status_code == 200


# --- Each fault of the key files: its check, what requests get, nothing changed ---


def der(private_pem: bytes) -> bytes:
    """The same private key in DER: a key, but not the PEM the app reads."""
    return serialization.load_pem_private_key(private_pem, password=None).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def delete(*paths: Path) -> None:
    for path in paths:
        path.unlink()


def unreadable(path: Path) -> None:
    """A folder in place of the file: it exists, and cannot be read."""
    path.unlink()
    path.mkdir(mode=0o700)


@dataclass(frozen=True)
class KeyFault:
    damage: Callable[[KeyPair], object]
    check_id: str
    # The key files the report names, and the fix it gives ({private}, {algorithm} filled in).
    named: tuple[KeyFile, ...]
    fix: str
    # What answers meanwhile: a sign-in, and a request with a token signed before the fault.
    sign_in: int = 503
    request: int = 200
    # The fault that requests meet in exactly the same way, if another one in this table.
    answered_as: str | None = None


FAULTS = {
    # Requests get what they get without the public key; the API tests sign in without keys.
    "no-keys": KeyFault(
        lambda p: delete(p.private, p.public),
        E002,
        ("private", "public"),
        MAKE_RSA,
        request=503,
        answered_as="public-missing",
    ),
    # Half a pair: make_jwt_key alone leaves it, so the fix is --force.
    "private-missing": KeyFault(lambda p: p.private.unlink(), E002, ("private",), MAKE_RSA_FORCE),
    "public-missing": KeyFault(
        lambda p: p.public.unlink(), E002, ("public",), MAKE_RSA_FORCE, request=503
    ),
    "private-unreadable": KeyFault(
        lambda p: unreadable(p.private),
        E003,
        ("private",),
        "Make it readable by the user running Django",
    ),
    "private-empty": KeyFault(
        lambda p: p.private.write_bytes(b""),
        E004,
        ("private",),
        MAKE_RSA_FORCE,
        answered_as="private-truncated",
    ),
    "private-truncated": KeyFault(
        lambda p: p.private.write_bytes(p.private.read_bytes()[:100]),
        E004,
        ("private",),
        MAKE_RSA_FORCE,
    ),
    "private-in-der": KeyFault(
        lambda p: p.private.write_bytes(der(p.private.read_bytes())),
        E004,
        ("private",),
        MAKE_RSA_FORCE,
        answered_as="private-truncated",
    ),
    "public-not-a-key": KeyFault(
        lambda p: p.public.write_bytes(b"-----BEGIN PUBLIC KEY-----\ngarbage\n"),
        E004,
        ("public",),
        MAKE_RSA_FORCE,
        request=503,
    ),
    # A private key without its public key: nobody would accept what it signs, so no sign-in;
    # the request's token names the kid of the lost public key, unknown now.
    "public-of-another-pair": KeyFault(
        lambda p: p.public.write_bytes(p.foreign_public), E005, (), MAKE_RSA_FORCE, request=401
    ),
    "private-readable-by-group": KeyFault(
        lambda p: p.private.chmod(0o640),
        E006,
        ("private",),
        "Run `chmod 600 {private}`.",
        sign_in=200,
        answered_as="private-readable-by-others",
    ),
    "private-readable-by-others": KeyFault(
        lambda p: p.private.chmod(0o604),
        E006,
        ("private",),
        "Run `chmod 600 {private}`.",
        sign_in=200,
    ),
    "private-of-another-kind": KeyFault(
        lambda p: p.private.write_bytes(p.other_kind[0]), E008, ("private",), FOR_THE_ALGORITHM
    ),
    "public-of-another-kind": KeyFault(
        lambda p: p.public.write_bytes(p.other_kind[1]),
        E008,
        ("public",),
        FOR_THE_ALGORITHM,
        request=503,
    ),
    "both-of-another-kind": KeyFault(
        lambda p: (p.private.write_bytes(p.other_kind[0]), p.public.write_bytes(p.other_kind[1])),
        E008,
        ("private", "public"),
        FOR_THE_ALGORITHM,
        request=503,
        answered_as="public-of-another-kind",
    ),
}


@POSIX_ONLY
@pytest.mark.parametrize("fault", list(FAULTS))
def test_check_names_each_key_fault_and_its_fix(pair: KeyPair, fault: str) -> None:
    """SECURITY.md 18: the check names the fault, the file and the command that fixes it."""
    expected = FAULTS[fault]
    expected.damage(pair)
    before = snapshot(pair.private.parent)

    ids, report = check_report()

    assert ids == {expected.check_id}, report
    for which, path in (("private", pair.private), ("public", pair.public)):
        assert (str(path) in report) == (which in expected.named), report
    algorithm = get_jwt_settings().JWT_ALGORITHM
    assert expected.fix.format(private=pair.private, algorithm=algorithm) in report, report
    assert snapshot(pair.private.parent) == before


@POSIX_ONLY
@pytest.mark.parametrize("fault", [name for name, f in FAULTS.items() if not f.answered_as])
def test_each_key_fault_is_answered_in_json_and_changes_nothing(
    pair: KeyPair, client: Client, user: Any, fault: str
) -> None:
    """A broken key pair is a server fault: a JSON 503 where the keys are needed, never a 500 or a
    traceback, and nothing on disk changes, not even by ``make_jwt_key`` without ``--force``."""
    token = mint(user, "access")
    expected = FAULTS[fault]
    expected.damage(pair)
    key_cache.clear()  # as in a process started after the damage
    before = snapshot(pair.private.parent)

    request = client.get(url("whoami"), headers=bearer(token))
    sign_in = client.post(url("mobile_signin"), CREDENTIALS, content_type="application/json")

    assert (request.status_code, sign_in.status_code) == (expected.request, expected.sign_in)
    for response in (request, sign_in):
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert b"Traceback" not in response.content
        if response.status_code == 503:
            assert response.json() == KEYS_UNAVAILABLE
            assert "make_jwt_key" in response.json()["detail"]
    if request.status_code == 200:
        assert request.json()["claims"]["user_id"] == user.pk
    if request.status_code == 401:
        assert request.json() == UNAUTHORIZED
    if sign_in.status_code == 200:
        assert set(sign_in.json()) == {"access", "refresh"}
    assert snapshot(pair.private.parent) == before

    output = make_keys()  # make_jwt_key alone never replaces what is there, broken or not

    assert "nothing changed" in output
    assert snapshot(pair.private.parent) == before


def test_check_names_the_size_of_an_rsa_key_too_short_for_rs256(
    settings: Any, tmp_path: Path, key_folders: dict[str, Path]
) -> None:
    """RS256 needs 2048 bits or more: a shorter RSA key is of the wrong kind, and the report says
    why."""
    use_keys(settings, key_folders["RS256"], tmp_path / "keys", "RS256")
    short_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    key_file("private").write_bytes(private_key_pem(short_key))
    key_file("public").write_bytes(public_key_pem(short_key.public_key()))

    ids, report = check_report()

    assert ids == {E008}, report
    assert "1024 bits" in report
    assert FOR_THE_ALGORITHM.format(algorithm="RS256") in report


# --- The previous-keys document (make_jwt_key --rotate keeps it) ---

UNREADABLE = object()
ENTRY_TIME = "2025-01-31T12:00:00Z"


def other_kind_entry(pair: KeyPair) -> dict[str, str]:
    public = pair.other_kind[1]
    kid = key_id(serialization.load_pem_public_key(public))  # type: ignore[arg-type]
    return {"kid": kid, "retired_at": ENTRY_TIME, "pem": public.decode()}


# Each: the document made from a sound entry (a retired key of the algorithm) and the key pair.
GARBLED_DOCUMENTS: dict[str, Callable[[dict[str, str], KeyPair], Any]] = {
    "not-json": lambda entry, pair: b"{ not json",
    "not-utf8": lambda entry, pair: b"\xff\xfe\x00",
    "an-array": lambda entry, pair: [entry],
    "keys-not-a-list": lambda entry, pair: {"keys": "none"},
    "entry-not-an-object": lambda entry, pair: {"keys": ["key"]},
    "kid-missing": lambda entry, pair: {"keys": [{**entry, "kid": None}]},
    "kid-not-the-thumbprint-of-its-key": lambda entry, pair: {
        "keys": [{**entry, "pem": pair.public.read_text()}]
    },
    "pem-not-a-key": lambda entry, pair: {"keys": [{**entry, "pem": "-----BEGIN PUBLIC KEY-----"}]},
    "pem-of-another-kind": lambda entry, pair: {"keys": [other_kind_entry(pair)]},
    "retired-at-not-a-time": lambda entry, pair: {"keys": [{**entry, "retired_at": "yesterday"}]},
    "retired-at-without-zone": lambda entry, pair: {
        "keys": [{**entry, "retired_at": ENTRY_TIME.rstrip("Z")}]
    },
    "kid-twice": lambda entry, pair: {"keys": [entry, entry]},
    "unreadable": lambda entry, pair: UNREADABLE,
}


@pytest.mark.parametrize("case", list(GARBLED_DOCUMENTS))
def test_check_names_a_garbled_previous_keys_document(pair: KeyPair, case: str) -> None:
    """A broken document silently drops the previous keys (and signs their users out): reported."""
    kid = key_id(load_public_key(pair.foreign_public, get_jwt_settings().JWT_ALGORITHM))
    entry = {"kid": kid, "retired_at": ENTRY_TIME, "pem": pair.foreign_public.decode()}
    document = key_file("previous")
    content = GARBLED_DOCUMENTS[case](entry, pair)
    if content is UNREADABLE:
        document.mkdir()
    else:
        document.write_bytes(
            content if isinstance(content, bytes) else json.dumps(content).encode()
        )

    ids, report = check_report()

    assert ids == {E009}, report
    assert str(document) in report
    assert "make_jwt_key --force" in report
    if case == "pem-of-another-kind":
        assert get_jwt_settings().JWT_ALGORITHM in report


# --- The key storages ---

# The library's form: JWT_*_KEY_STORAGE naming Storage instances by import string. Without a
# location, a FileSystemStorage keeps its files in MEDIA_ROOT.
private_key_storage = FileSystemStorage()
public_key_storage = FileSystemStorage()
PrivateAndPublicFolders = tuple[Path, Path]


def storages_aliases(backend: str) -> Callable[[Any, Path], PrivateAndPublicFolders]:
    """The ``STORAGES`` aliases of the keys, with ``backend`` in folders of their own."""

    def configure(settings: Any, folder: Path) -> PrivateAndPublicFolders:
        settings.STORAGES = {
            **settings.STORAGES,
            "jwt_private_key": {"BACKEND": backend, "OPTIONS": {"location": folder / "private"}},
            "jwt_public_key": {"BACKEND": backend, "OPTIONS": {"location": folder / "public"}},
        }
        return folder / "private", folder / "public"

    return configure


def import_strings(settings: Any, folder: Path) -> PrivateAndPublicFolders:
    settings.MEDIA_ROOT = folder / "media"
    settings.NINJA_SIMPLE_JWT = {
        **settings.NINJA_SIMPLE_JWT,
        "JWT_PRIVATE_KEY_STORAGE": f"{__name__}.private_key_storage",
        "JWT_PUBLIC_KEY_STORAGE": f"{__name__}.public_key_storage",
    }
    return folder / "media", folder / "media"


@POSIX_ONLY
@pytest.mark.parametrize(
    "configure",
    [
        pytest.param(storages_aliases(f"{KeyFileStorage.__module__}.KeyFileStorage"), id="alias"),
        # A plain FileSystemStorage writes files with FILE_UPLOAD_PERMISSIONS: the app tightens
        # the private key's.
        pytest.param(
            storages_aliases("django.core.files.storage.FileSystemStorage"),
            id="alias-to-a-file-system-storage",
        ),
        pytest.param(import_strings, id="import-strings"),
    ],
)
def test_the_keys_are_kept_where_the_storage_settings_say(
    settings: Any,
    tmp_path: Path,
    user: Any,
    configure: Callable[[Any, Path], PrivateAndPublicFolders],
) -> None:
    """Keys live in any ``Storage``: a ``STORAGES`` alias, or an import string as in the library."""
    private_folder, public_folder = configure(settings, tmp_path)

    output = make_keys()

    private = key_file("private", private_folder)
    public = key_file("public", public_folder)
    assert file_mode(private) == 0o600
    assert str(private) in output
    assert str(public) in output
    # The app signs with the key it wrote there, and verifies with its public key.
    token = mint(user, "access")
    assert jwt.get_unverified_header(token)["kid"] == file_kid(public)
    assert verify_token(token, "access")["user_id"] == user.pk
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        pytest.param(
            "JWT_PRIVATE_KEY_STORAGE",
            "jwt_private_keys",
            "neither a STORAGES alias nor importable",
            id="mistyped-alias",
        ),
        pytest.param(
            "JWT_PUBLIC_KEY_STORAGE",
            f"{__name__}.no_such_storage",
            "neither a STORAGES alias nor importable",
            id="import-string-that-cannot-be-imported",
        ),
        pytest.param(
            "JWT_PRIVATE_KEY_STORAGE",
            f"{__name__}.FileSystemStorage",
            "must name a Storage instance",
            id="not-a-storage-instance",
        ),
    ],
)
def test_a_storage_setting_that_names_no_storage_is_reported_by_name(
    keys: Path, change_settings: Any, setting: str, value: str, problem: str
) -> None:
    """A mistyped storage is named by the check, and by ``make_jwt_key`` in one line."""
    change_settings(**{setting: value})

    ids, report = check_report()

    assert ids == {E003}, report
    assert f"NINJA_SIMPLE_JWT[{setting!r}]" in report
    assert problem in report
    with pytest.raises(CommandError) as failure:
        call_command("make_jwt_key", stdout=io.StringIO())
    message = str(failure.value)  # manage.py prints a CommandError alone, without a traceback
    assert f"NINJA_SIMPLE_JWT[{setting!r}]" in message
    assert "\n" not in message


@pytest.mark.parametrize("clash", ["a-file", "a-dangling-symlink"])
def test_the_key_file_storage_never_renames_on_a_name_clash(tmp_path: Path, clash: str) -> None:
    """A key saved under another name would be lost: the save fails instead."""
    storage = KeyFileStorage(location=tmp_path)
    existing, elsewhere = tmp_path / "jwt-signing.pem", tmp_path.parent / f"{tmp_path.name}-target"
    if clash == "a-file":
        existing.write_bytes(b"the key")
    else:
        existing.symlink_to(elsewhere)

    with pytest.raises(FileExistsError):
        storage.save(existing.name, ContentFile(b"another key"))

    assert list(tmp_path.iterdir()) == [existing]
    if clash == "a-file":
        assert existing.read_bytes() == b"the key"
    else:
        assert not elsewhere.exists()  # nothing written through the link


@POSIX_ONLY
@pytest.mark.parametrize(
    ("mask", "options", "mode"),
    [
        pytest.param(0, {}, 0o600, id="private-by-default-under-a-permissive-umask"),
        pytest.param(0o077, {"file_permissions_mode": 0o644}, 0o644, id="public-under-umask-077"),
    ],
)
def test_the_key_file_storage_creates_files_with_their_mode_from_the_first_byte(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    umask: Callable[[int], int],
    mask: int,
    options: dict[str, int],
    mode: int,
) -> None:
    storage = KeyFileStorage(location=tmp_path, **options)
    path = tmp_path / "jwt-signing.pem"
    content = ContentFile(b"")
    modes_before_the_first_byte = []

    def chunks(chunk_size: int | None = None) -> Iterator[bytes]:
        modes_before_the_first_byte.append(file_mode(path))
        yield b"-----BEGIN PRIVATE KEY-----\n"

    monkeypatch.setattr(content, "chunks", chunks)
    umask(mask)

    storage.save(path.name, content)

    assert modes_before_the_first_byte == [mode]
    assert file_mode(path) == mode
    assert path.read_bytes() == b"-----BEGIN PRIVATE KEY-----\n"


# --- Key ids: RFC 7638 thumbprints ---


def test_the_key_id_matches_the_rfc_7638_example() -> None:
    # RFC 7638 section 3.1: this RSA key's thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
        "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW"
        "2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vM"
        "QFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    public_key = rsa.RSAPublicNumbers(65537, int.from_bytes(b64url_decode(n), "big")).public_key()
    assert key_id(public_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def unsigned(value: int, length: int | None = None) -> str:
    """A JWK integer: big-endian bytes, base64url."""
    return b64url(value.to_bytes(length or (value.bit_length() + 7) // 8, "big"))


@pytest.mark.parametrize("name", ALGORITHMS)
def test_the_key_id_is_the_thumbprint_of_the_required_members(
    name: str, key_folders: dict[str, Path]
) -> None:
    public_key = serialization.load_pem_public_key(pem_pair(key_folders[name])[1])
    members: dict[str, str]
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        members = {"e": unsigned(numbers.e), "kty": "RSA", "n": unsigned(numbers.n)}
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        point = public_key.public_numbers()
        # Coordinates at their full length (32 bytes on P-256), as RFC 7518 requires.
        members = {
            "crv": "P-256",
            "kty": "EC",
            "x": unsigned(point.x, 32),
            "y": unsigned(point.y, 32),
        }
    else:
        assert isinstance(public_key, ed25519.Ed25519PublicKey)
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    assert key_id(public_key) == b64url(hashlib.sha256(canonical).digest())
