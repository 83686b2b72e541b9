"""Keys by algorithm: generation, PEM parsing with a kind check, key ids and public JWKs.

Pure functions of ``cryptography`` keys: no settings, no storage. Each algorithm has one key
kind: RS256 an RSA key of at least 2048 bits, ES256 an EC key on P-256, EdDSA an Ed25519 key.
Keys are written as unencrypted PKCS#8 PEM and SubjectPublicKeyInfo PEM.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from ninja_simple_jwt.conf import Algorithm

__all__ = [
    "KEY_ID_PATTERN",
    "PrivateKey",
    "PublicKey",
    "WrongKeyKindError",
    "generate_private_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_jwk",
    "public_key_pem",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

RSA_KEY_SIZE: Final = 2048
# Our key ids are RFC 7638 SHA-256 thumbprints: 43 base64url characters. Anything else in a
# token's "kid" is refused before any lookup (no path, no huge string, no reload).
KEY_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
# RFC 7638 section 3.2: the required members of each key type, the only ones hashed.
_THUMBPRINT_MEMBERS: Final = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}
_EXPECTED_KIND: Final[dict[Algorithm, str]] = {
    "RS256": f"an RSA key of at least {RSA_KEY_SIZE} bits",
    "ES256": "an EC key on P-256 (secp256r1)",
    "EdDSA": "an Ed25519 key",
}


class WrongKeyKindError(ValueError):
    """A key the configured algorithm cannot use, e.g. an RSA key under ES256."""


def _checked(key: Any, algorithm: Algorithm) -> Any:
    """``key`` if the algorithm can use it, else ``WrongKeyKindError`` naming both kinds."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        found = f"an RSA key of {key.key_size} bits"
        fits = algorithm == "RS256" and key.key_size >= RSA_KEY_SIZE
    elif isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        found = f"an EC key on {key.curve.name}"
        fits = algorithm == "ES256" and isinstance(key.curve, ec.SECP256R1)
    elif isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        found, fits = "an Ed25519 key", algorithm == "EdDSA"
    else:
        found, fits = f"a {type(key).__name__}", False
    if not fits:
        raise WrongKeyKindError(f"{algorithm} needs {_EXPECTED_KIND[algorithm]}, found {found}")
    return key


def generate_private_key(algorithm: Algorithm) -> PrivateKey:
    """A new private key of the algorithm's kind (RSA 2048 e=65537, EC P-256, Ed25519)."""
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# Parsing an RSA private key checks its consistency (tens of milliseconds), and the key cache is
# emptied at every settings change: the same bytes are parsed once. Failures are not cached.
@lru_cache(maxsize=16)
def load_private_key(pem: bytes, algorithm: Algorithm) -> PrivateKey:
    """Parse an unencrypted PEM private key: ``ValueError`` if it is not one, its subclass
    ``WrongKeyKindError`` if the algorithm cannot use it."""
    key: PrivateKey = _checked(serialization.load_pem_private_key(pem, password=None), algorithm)
    return key


@lru_cache(maxsize=64)
def load_public_key(pem: bytes, algorithm: Algorithm) -> PublicKey:
    """Parse a PEM public key; errors as ``load_private_key``."""
    key: PublicKey = _checked(serialization.load_pem_public_key(pem), algorithm)
    return key


def _required_members(public_key: PublicKey) -> dict[str, str]:
    """The RFC 7638 required members of the key's JWK, as PyJWT writes them."""
    jwk: dict[str, Any]
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return {member: str(jwk[member]) for member in _THUMBPRINT_MEMBERS[str(jwk["kty"])]}


def key_id(public_key: PublicKey) -> str:
    """The RFC 7638 thumbprint: SHA-256 of the required members, base64url without padding."""
    members = json.dumps(_required_members(public_key), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(members.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(public_key: PublicKey, algorithm: Algorithm) -> dict[str, str]:
    """The JWK to publish, built from the required members alone: no private member can slip in."""
    return {
        **_required_members(public_key),
        "kid": key_id(public_key),
        "use": "sig",
        "alg": algorithm,
    }
