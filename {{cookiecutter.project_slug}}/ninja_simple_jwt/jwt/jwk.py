"""Keys by algorithm: generation, PEM parsing with a kind check, JWKs and key ids.

Pure functions of ``cryptography`` keys: no settings, no storage. Each supported algorithm has
exactly one key kind: RS256 an RSA key of at least 2048 bits, ES256 an EC key on P-256,
EdDSA an Ed25519 key. Keys are written as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY") and
SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from ninja_simple_jwt.settings import JwtAlgorithm

__all__ = [
    "KEY_ID_PATTERN",
    "RSA_KEY_SIZE",
    "RSA_PUBLIC_EXPONENT",
    "PrivateKey",
    "PublicKey",
    "WrongKeyKindError",
    "describe_expected_kind",
    "describe_key_kind",
    "generate_private_key",
    "key_fits_algorithm",
    "key_id",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_jwk",
    "public_key_pem",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

_PRIVATE_KEY_TYPES: Final = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
)
_PUBLIC_KEY_TYPES: Final = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)

RSA_KEY_SIZE: Final = 2048
RSA_PUBLIC_EXPONENT: Final = 65537

# Our key ids are RFC 7638 SHA-256 thumbprints: 32 bytes, 43 unpadded base64url characters.
# Anything else in a token's "kid" is refused before any lookup (no path, no huge string).
KEY_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")

# RFC 7638 section 3.2: the required members of each key type, the only ones hashed.
_THUMBPRINT_MEMBERS: Final[Mapping[str, tuple[str, ...]]] = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}


class WrongKeyKindError(TypeError):
    """A key that the configured algorithm cannot use (e.g. an RSA key under ES256)."""


def describe_key_kind(key: object) -> str:
    """A short human name of a key's kind, for error messages."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return f"an RSA key of {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return f"an EC key on {key.curve.name}"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "an Ed25519 key"
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return "an Ed448 key"
    return f"a {type(key).__name__}"


def describe_expected_kind(algorithm: JwtAlgorithm) -> str:
    """What kind of key ``algorithm`` needs, for error messages."""
    return {
        "RS256": f"an RSA key of at least {RSA_KEY_SIZE} bits",
        "ES256": "an EC key on P-256 (secp256r1)",
        "EdDSA": "an Ed25519 key",
    }[algorithm]


def key_fits_algorithm(key: object, algorithm: JwtAlgorithm) -> bool:
    """Whether ``algorithm`` can sign or verify with ``key`` (private or public)."""
    if algorithm == "RS256":
        return (
            isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size >= RSA_KEY_SIZE
        )
    if algorithm == "ES256":
        return isinstance(
            key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey
        ) and isinstance(key.curve, ec.SECP256R1)
    return isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey)


def _wrong_kind(key: object, algorithm: JwtAlgorithm) -> WrongKeyKindError:
    return WrongKeyKindError(
        f"{algorithm} needs {describe_expected_kind(algorithm)}, found {describe_key_kind(key)}"
    )


def generate_private_key(algorithm: JwtAlgorithm) -> PrivateKey:
    """A new private key of the algorithm's kind (RSA 2048 e=65537, EC P-256, Ed25519)."""
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def public_key_pem(key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


# Parsing a private key is slow (RSA keys are checked for consistency: tens of milliseconds).
# The key files rarely change, while the key cache is cleared at every settings change: the
# same bytes are parsed once. Failures are not cached.
@lru_cache(maxsize=16)
def load_private_key(pem: bytes, algorithm: JwtAlgorithm) -> PrivateKey:
    """Parse an unencrypted PEM private key; ``WrongKeyKindError`` if the algorithm can't use it."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, _PRIVATE_KEY_TYPES) or not key_fits_algorithm(key, algorithm):
        raise _wrong_kind(key, algorithm)
    return key


@lru_cache(maxsize=64)
def load_public_key(pem: bytes, algorithm: JwtAlgorithm) -> PublicKey:
    """Parse a PEM public key; ``WrongKeyKindError`` if the algorithm can't use it."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, _PUBLIC_KEY_TYPES) or not key_fits_algorithm(key, algorithm):
        raise _wrong_kind(key, algorithm)
    return key


def _required_members(public_key: PublicKey) -> dict[str, str]:
    """The RFC 7638 required members of the public key's JWK, as PyJWT writes them."""
    jwk: Mapping[str, Any]
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        # PyJWT pads x and y to the curve size, as RFC 7518 section 6.2.1.2 requires.
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return {member: str(jwk[member]) for member in _THUMBPRINT_MEMBERS[str(jwk["kty"])]}


def key_id(public_key: PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint: SHA-256 over its required members, base64url."""
    members = json.dumps(_required_members(public_key), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(members.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(public_key: PublicKey, algorithm: JwtAlgorithm) -> dict[str, str]:
    """The public JWK (RFC 7517) to publish: public members only, plus kid, use and alg.

    Built from the required members alone, so no private member (d, p, q, dp, dq, qi) can
    ever slip in, whatever key object is passed.
    """
    return {
        **_required_members(public_key),
        "kid": key_id(public_key),
        "use": "sig",
        "alg": algorithm,
    }
