"""Every algorithm the app offers (RS256, ES256, EdDSA): its keys, its tokens, its key ids.

The project is generated with one algorithm; these tests switch JWT_ALGORITHM and BASE_DIR
through the ``settings`` fixture, onto copies of key folders made once for the module by the
real ``make_rsa`` command.
"""

import base64
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.test import Client
from ninja_simple_jwt.jwt.jwk import key_id
from ninja_simple_jwt.jwt.keys import generate_key_pair
from ninja_simple_jwt.jwt.tokens import mint_access_token
from ninja_simple_jwt.settings import get_jwt_settings

from tests.conftest import CREDENTIALS, SIGN_IN, url
from tests.jwt_helpers import ALGORITHMS, use_keys


def key_files() -> tuple[Path, Path]:
    from django.conf import settings

    jwt_settings = get_jwt_settings()
    base = Path(settings.BASE_DIR)
    return base / jwt_settings.JWT_PRIVATE_KEY_PATH, base / jwt_settings.JWT_PUBLIC_KEY_PATH


def assert_key_kind(private_key: Any, public_key: Any, algorithm: str) -> None:
    if algorithm == "RS256":
        assert isinstance(private_key, rsa.RSAPrivateKey)
        assert isinstance(public_key, rsa.RSAPublicKey)
        assert public_key.key_size == 2048
        assert public_key.public_numbers().e == 65537
    elif algorithm == "ES256":
        assert isinstance(private_key, ec.EllipticCurvePrivateKey)
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        assert isinstance(public_key.curve, ec.SECP256R1)
    else:
        assert isinstance(private_key, ed25519.Ed25519PrivateKey)
        assert isinstance(public_key, ed25519.Ed25519PublicKey)


def test_make_rsa_makes_keys_of_the_algorithms_kind(algorithm: str) -> None:
    private_file, public_file = key_files()
    private_pem, public_pem = private_file.read_bytes(), public_file.read_bytes()
    # PKCS#8 and SubjectPublicKeyInfo, whatever the algorithm.
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(public_pem)
    assert_key_kind(private_key, public_key, algorithm)
    assert key_id(private_key.public_key()) == key_id(public_key)  # type: ignore[arg-type]
    if os.name == "posix":
        assert stat.S_IMODE(private_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ALGORITHMS)
def test_generate_key_pair_for_each_algorithm(name: str) -> None:
    private_pem, public_pem = generate_key_pair(name)  # type: ignore[arg-type]
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    assert_key_kind(
        serialization.load_pem_private_key(private_pem, password=None),
        serialization.load_pem_public_key(public_pem),
        name,
    )


def test_signed_in_tokens_use_the_algorithm_and_name_their_key(
    algorithm: str, client: Client, user: Any
) -> None:
    _, public_file = key_files()
    public_pem = public_file.read_bytes()
    expected_kid = key_id(serialization.load_pem_public_key(public_pem))  # type: ignore[arg-type]

    response = client.post(url(SIGN_IN), CREDENTIALS, content_type="application/json")
    assert response.status_code == 200, response.content
    access = response.json()["access"]

    header = jwt.get_unverified_header(access)
    assert header == {"alg": algorithm, "typ": "JWT", "kid": expected_kid}
    # Anyone holding the public key file verifies it with that one algorithm.
    claims = jwt.decode(access, public_pem, algorithms=[algorithm])
    assert claims["user_id"] == user.pk
    assert claims["token_type"] == "access"
    me = client.get(url("me"), headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200
    assert me.json()["user_id"] == user.pk


def test_refresh_works_with_each_algorithm(algorithm: str, client: Client, user: Any) -> None:
    signed_in = client.post(url(SIGN_IN), CREDENTIALS, content_type="application/json")
    assert signed_in.status_code == 200, signed_in.content
{% if cookiecutter.mobile_auth %}
    refreshed = client.post(
        url("mobile_token_refresh"),
        {"refresh": signed_in.json()["refresh"]},
        content_type="application/json",
    )
{% else %}
    # The test client sends back the refresh cookie that sign-in set.
    refreshed = client.post(url("web_token_refresh"))
{% endif %}
    assert refreshed.status_code == 200, refreshed.content
    access = refreshed.json()["access"]
    assert jwt.get_unverified_header(access)["alg"] == algorithm
    assert client.get(url("me"), headers={"Authorization": f"Bearer {access}"}).status_code == 200


def test_tokens_of_another_algorithm_are_refused(
    settings: Any, tmp_path: Path, key_folders: dict[str, Path], client: Client, user: Any
) -> None:
    """After a switch of algorithm (make_rsa --force), tokens of the old one stop working."""
    tokens = {}
    for name in ALGORITHMS:
        use_keys(settings, key_folders[name], tmp_path / name, name)
        tokens[name] = mint_access_token(user)
    for name in ALGORITHMS:
        use_keys(settings, key_folders[name], tmp_path / name, name)
        for minted_with, token in tokens.items():
            response = client.get(url("me"), headers={"Authorization": f"Bearer {token}"})
            expected = 200 if minted_with == name else 401
            assert response.status_code == expected, (name, minted_with)


# --- Key ids: RFC 7638 thumbprints ---


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_uint(value: int, length: int | None = None) -> str:
    return b64url(value.to_bytes(length or (value.bit_length() + 7) // 8, "big"))


def thumbprint(members: dict[str, str]) -> str:
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def test_key_id_matches_the_rfc_7638_example() -> None:
    # RFC 7638 section 3.1: this RSA key's thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
        "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW"
        "2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vM"
        "QFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    modulus = int.from_bytes(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4)), "big")
    public_key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    assert key_id(public_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("name", ALGORITHMS)
def test_key_id_is_the_thumbprint_of_the_required_members(
    name: str, key_folders: dict[str, Path]
) -> None:
    public_pem = (key_folders[name] / get_jwt_settings().JWT_PUBLIC_KEY_PATH).read_bytes()
    public_key = serialization.load_pem_public_key(public_pem)
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        members = {"e": b64url_uint(numbers.e), "kty": "RSA", "n": b64url_uint(numbers.n)}
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        point = public_key.public_numbers()
        # Coordinates at their full length (32 bytes on P-256), as RFC 7518 requires.
        members = {
            "crv": "P-256",
            "kty": "EC",
            "x": b64url_uint(point.x, 32),
            "y": b64url_uint(point.y, 32),
        }
    else:
        assert isinstance(public_key, ed25519.Ed25519PublicKey)
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    assert key_id(public_key) == thumbprint(members)
