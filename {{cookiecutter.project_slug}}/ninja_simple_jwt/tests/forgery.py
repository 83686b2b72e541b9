"""Hand-made tokens: exact header and payload bytes, signed without PyJWT.

A test can then forge anything an attacker could send, and the app's verifier is the only
parser involved.
"""

import base64
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.keys.algorithms import PrivateKey, key_id

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


def claims_of(token: str) -> dict[str, Any]:
    """The payload of ``token``, unverified."""
    claims: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return claims


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
    """The header the app writes for ``key``: alg, typ and the key's thumbprint as kid."""
    algorithm = algorithm or get_jwt_settings().JWT_ALGORITHM
    return {"alg": algorithm, "typ": "JWT", "kid": key_id(key.public_key()), **extra}


def sign_claims(
    claims: Mapping[str, Any],
    key: PrivateKey,
    header: Mapping[str, Any] | None = None,
    algorithm: str | None = None,
) -> str:
    """``claims`` signed with ``key`` under ``header`` (default: ``header_for(key)``)."""
    header = dict(header if header is not None else header_for(key, algorithm))
    algorithm = algorithm or header.get("alg") or get_jwt_settings().JWT_ALGORITHM
    return sign_bytes(
        json.dumps(header).encode(), json.dumps(dict(claims)).encode(), key, algorithm
    )
