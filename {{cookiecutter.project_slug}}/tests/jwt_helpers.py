"""Helpers for the token and key tests: hand-signed tokens and throw-away key folders.

Tokens are built here without PyJWT, from exact header and payload bytes, so a test can forge
anything an attacker could send and the server's own parser is the only one involved.
"""

import base64
import io
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.core.management import call_command
from django.test import override_settings
from ninja_simple_jwt.jwt.jwk import PrivateKey, key_id
from ninja_simple_jwt.settings import JWT_ALGORITHMS, get_jwt_settings

ALGORITHMS = JWT_ALGORITHMS
_HASHES: Mapping[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS512": hashes.SHA512,
    "PS256": hashes.SHA256,
    "ES256": hashes.SHA256,
    "ES384": hashes.SHA384,
}


def b64url(data: bytes) -> str:
    """Unpadded base64url, as in a compact JWT."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def json_segment(value: Any) -> str:
    return b64url(json.dumps(value).encode())


def configured_algorithm() -> str:
    return get_jwt_settings().JWT_ALGORITHM


def raw_signature(key: Any, algorithm: str, data: bytes) -> bytes:
    """The JWS signature of ``data`` (RFC 7518: ECDSA as r || s, not DER)."""
    if algorithm in ("EdDSA", "Ed25519"):
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key.sign(data)
    hash_algorithm = _HASHES[algorithm]()
    if algorithm.startswith("ES"):
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_algorithm)))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    assert isinstance(key, rsa.RSAPrivateKey)
    if algorithm.startswith("PS"):
        pss = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)
        return key.sign(data, pss, hash_algorithm)
    return key.sign(data, padding.PKCS1v15(), hash_algorithm)


def sign_bytes(raw_header: bytes, raw_payload: bytes, key: Any, algorithm: str) -> str:
    """A compact JWS of exactly these header and payload bytes."""
    signing_input = f"{b64url(raw_header)}.{b64url(raw_payload)}"
    return f"{signing_input}.{b64url(raw_signature(key, algorithm, signing_input.encode()))}"


def header_for(key: PrivateKey, algorithm: str | None = None, **extra: Any) -> dict[str, Any]:
    """The header our server writes for ``key``: alg, typ and the key's thumbprint as kid."""
    return {
        "alg": algorithm or configured_algorithm(),
        "typ": "JWT",
        "kid": key_id(key.public_key()),
        **extra,
    }


def sign_claims(
    claims: Mapping[str, Any],
    key: PrivateKey,
    header: Mapping[str, Any] | None = None,
    algorithm: str | None = None,
) -> str:
    """``claims`` signed with ``key`` under ``header`` (default: ``header_for(key)``)."""
    header = dict(header if header is not None else header_for(key, algorithm))
    return sign_bytes(
        json.dumps(header).encode(),
        json.dumps(dict(claims)).encode(),
        key,
        algorithm or header.get("alg") or configured_algorithm(),
    )


def make_rsa(*arguments: str) -> str:
    """Run ``manage.py make_rsa``; a CommandError (a non-zero exit) fails the test."""
    output = io.StringIO()
    call_command("make_rsa", *arguments, stdout=output)
    return output.getvalue()


# The files make_rsa wrote for each algorithm, kept for the whole run: key generation (RSA
# especially) is the slow part of these tests, and the modules can share the same keys.
_MADE_KEY_FILES: dict[str, dict[str, bytes]] = {}


def make_key_folders(root: Path) -> dict[str, Path]:
    """One folder of keys per algorithm, made by ``make_rsa`` once per run, copied after that."""
    folders: dict[str, Path] = {}
    for algorithm in ALGORITHMS:
        folder = root / algorithm
        folder.mkdir()
        made = _MADE_KEY_FILES.get(algorithm)
        if made is None:
            jwt_settings = {**_project_jwt_settings(), "JWT_ALGORITHM": algorithm}
            with override_settings(BASE_DIR=folder, NINJA_SIMPLE_JWT=jwt_settings):
                make_rsa()
            _MADE_KEY_FILES[algorithm] = {path.name: path.read_bytes() for path in folder.iterdir()}
        else:
            for name, content in made.items():
                (folder / name).write_bytes(content)
                (folder / name).chmod(0o600)
        folders[algorithm] = folder
    return folders


def _project_jwt_settings() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.NINJA_SIMPLE_JWT)


def use_keys(settings: Any, folder: Path, target: Path, algorithm: str, **changes: Any) -> Path:
    """Point the project at a copy of ``folder``'s keys in ``target``, signing with ``algorithm``.

    ``settings`` is pytest-django's fixture: everything is undone after the test.
    """
    shutil.copytree(folder, target, dirs_exist_ok=True)
    settings.BASE_DIR = target
    settings.NINJA_SIMPLE_JWT = {
        **settings.NINJA_SIMPLE_JWT,
        "JWT_ALGORITHM": algorithm,
        **changes,
    }
    return target
