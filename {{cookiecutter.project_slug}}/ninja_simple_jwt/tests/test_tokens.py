"""Minting and verifying tokens (``tokens.py``), without HTTP.

Every endpoint that reads a token calls ``verify_token``, so what it refuses is refused
everywhere (the API tests prove each transport passes the token to it). The forged tokens are
built by hand (``forgery.py``) from the claims of a valid access token, signed with the
project's algorithm, so each differs from an accepted token by the one thing under attack;
``test_hand_signed_tokens_are_accepted`` is their control. The threats are numbered as in the
project's ``SECURITY.md``.
"""

import base64
import hashlib
import hmac
import json
import secrets
import socket
import string
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from hypothesis import given, settings as hypothesis_settings, strategies as st
from ninja_simple_jwt import tokens
from ninja_simple_jwt.conf import ALGORITHMS, Algorithm, get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.keys.algorithms import (
    PrivateKey,
    generate_private_key,
    key_id,
    load_public_key,
    public_jwk,
)
from ninja_simple_jwt.keys.cache import key_cache
from ninja_simple_jwt.keys.storage import key_storage
from ninja_simple_jwt.tests.conftest import LOGIN, NOW, PASSWORD, make_keys, mint, url, use_keys
from ninja_simple_jwt.tests.forgery import (
    b64url,
    b64url_decode,
    claims_of,
    header_for,
    sign_bytes,
    sign_claims,
)
from ninja_simple_jwt.tokens import MAX_TOKEN_LENGTH, mint_token, verify_token

HOUR = 3600
ISSUER = "https://auth.example.com"
AUDIENCE = "https://api.example.com"
# For each algorithm, another one its key could sign with: the token's header must not choose.
OTHER_ALGORITHM_SAME_KEY = {"RS256": "RS512", "ES256": "ES384", "EdDSA": "Ed25519"}
ATTACKER_URL = "https://attacker.example/.well-known/jwks.json"


def assert_refused(token: str, as_type: str = "access") -> None:
    """Refused with the one answer every endpoint gives: 401, "Invalid or expired token."."""
    with pytest.raises(InvalidTokenError) as refused:
        verify_token(token, as_type)
    assert (refused.value.status_code, refused.value.message) == (
        401,
        "Invalid or expired token.",
    )


def changed(claims: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``claims`` with ``changes``; a change to ``None`` removes the claim."""
    merged = {**claims, **changes}
    return {name: value for name, value in merged.items() if value is not None}


def resign(token: str, **changes: Any) -> str:
    """``token``'s claims with ``changes``, signed with the project's key."""
    return sign_claims(changed(claims_of(token), changes), key_cache.signing_key().private_key)


def segment(value: Any) -> str:
    return b64url(json.dumps(value).encode())


# --- The forged tokens (SECURITY.md 1-12) ---


@dataclass(frozen=True)
class Forge:
    """A valid access token, and what an attacker could sign with."""

    token: str
    algorithm: Algorithm
    key: PrivateKey
    public_key_pem: bytes
    foreign_key: PrivateKey

    @property
    def claims(self) -> dict[str, Any]:
        return claims_of(self.token)

    @property
    def kid(self) -> str:
        return key_id(self.key.public_key())

    def segments(self) -> list[str]:
        return self.token.split(".")

    def header(self, **changes: Any) -> dict[str, Any]:
        """Our header (alg, typ, kid) with ``changes``; ``None`` removes a parameter."""
        return changed(header_for(self.key, self.algorithm), changes)

    def sign(self, claims: Mapping[str, Any] | None = None, **header_changes: Any) -> str:
        """``claims`` (by default the valid ones) signed with our key, under our header."""
        claims = self.claims if claims is None else claims
        return sign_claims(claims, self.key, self.header(**header_changes), self.algorithm)

    def with_claims(self, **changes: Any) -> str:
        return self.sign(changed(self.claims, changes))

    def raw(self, header: bytes, payload: bytes) -> str:
        """Exactly these header and payload bytes, signed with our key."""
        return sign_bytes(header, payload, self.key, self.algorithm)

    def as_foreign(self, **header_changes: Any) -> str:
        """The valid claims signed with the attacker's key, under its own kid by default."""
        header = changed(header_for(self.foreign_key, self.algorithm), header_changes)
        return sign_claims(self.claims, self.foreign_key, header, self.algorithm)


Forgery = Callable[[Forge], str]


def alg_none(alg: str, keep_signature: bool = False) -> Forgery:
    def make(forge: Forge) -> str:
        signature = forge.segments()[2] if keep_signature else ""
        return f"{segment(forge.header(alg=alg))}.{segment(forge.claims)}.{signature}"

    return make


def hs256_with_public_key_as_secret(forge: Forge) -> str:
    signing_input = f"{segment(forge.header(alg='HS256'))}.{segment(forge.claims)}"
    mac = hmac.new(forge.public_key_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def other_algorithm_with_our_key(forge: Forge) -> str:
    """The right key and kid, an algorithm the project did not pin (RS512, ES384, Ed25519)."""
    other = OTHER_ALGORITHM_SAME_KEY[forge.algorithm]
    header = json.dumps(forge.header(alg=other)).encode()
    return sign_bytes(header, json.dumps(forge.claims).encode(), forge.key, other)


def payload_byte_changed(forge: Forge) -> str:
    header, payload, signature = forge.segments()
    raw = bytearray(b64url_decode(payload))
    position = raw.index(b'"jti":"') + len(b'"jti":"')
    raw[position] = ord("A") if raw[position] != ord("A") else ord("B")
    return f"{header}.{b64url(bytes(raw))}.{signature}"


def user_id_changed(forge: Forge) -> str:
    header, _, signature = forge.segments()
    return f"{header}.{segment({**forge.claims, 'user_id': 0})}.{signature}"


def signature_changed(change: Callable[[str], str]) -> Forgery:
    """The valid token with its signature segment changed."""

    def make(forge: Forge) -> str:
        header, payload, signature = forge.segments()
        return f"{header}.{payload}.{change(signature)}"

    return make


def one_character_changed(signature: str) -> str:
    middle = len(signature) // 2
    replacement = "A" if signature[middle] != "A" else "B"
    return f"{signature[:middle]}{replacement}{signature[middle + 1 :]}"


def unused_bits_set(signature: str) -> str:
    """The same bytes spelled another way: the last character of an unpadded base64 segment has
    unused low bits (4 of them after 1 byte, 2 after 2), which lenient decoders ignore."""
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    unused = {2: 0b1111, 3: 0b11}[len(signature) % 4]
    return f"{signature[:-1]}{alphabet[alphabet.index(signature[-1]) | unused]}"


def expired(forge: Forge) -> str:
    now = int(NOW.timestamp())
    return forge.with_claims(iat=now - 2 * HOUR, exp=now - HOUR)


def issued_in_the_future(forge: Forge) -> str:
    now = int(NOW.timestamp())
    return forge.with_claims(iat=now + HOUR, exp=now + 2 * HOUR)


def foreign_jwk(forge: Forge) -> dict[str, str]:
    return public_jwk(forge.foreign_key.public_key(), forge.algorithm)


def foreign_certificate(forge: Forge) -> str:
    """A self-signed certificate of the attacker's key, base64 DER as in an ``x5c`` header."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker.example")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(forge.foreign_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(forge.foreign_key, None if forge.algorithm == "EdDSA" else hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()


def deeply_nested(part: str) -> Forgery:
    """A correctly signed token whose header or payload is JSON arrays nested 2,000 deep: short
    enough to be parsed. Depending on the Python version the parser runs out of recursion or
    returns a list; either way it is no JSON object, and never a 500."""

    def make(forge: Forge) -> str:
        nested = b"[" * 2000 + b"]" * 2000
        header, payload = json.dumps(forge.header()).encode(), json.dumps(forge.claims).encode()
        if part == "header":
            header = nested
        else:
            payload = nested
        token = forge.raw(header, payload)
        assert len(token) <= MAX_TOKEN_LENGTH
        return token

    return make


FORGERIES = [
    # SECURITY.md 1: unsigned.
    pytest.param(alg_none("none"), id="alg-none"),
    pytest.param(alg_none("NONE"), id="alg-NONE"),
    pytest.param(alg_none("none", keep_signature=True), id="alg-none-keeping-signature"),
    # SECURITY.md 2: algorithm confusion.
    pytest.param(hs256_with_public_key_as_secret, id="hs256-public-key-as-secret"),
    pytest.param(other_algorithm_with_our_key, id="other-algorithm-than-the-pinned-one"),
    # SECURITY.md 3: another key pair of the right algorithm.
    pytest.param(lambda forge: forge.as_foreign(kid=forge.kid), id="foreign-key-our-kid"),
    pytest.param(lambda forge: forge.as_foreign(), id="foreign-key-its-kid"),
    # SECURITY.md 4: the payload changed.
    pytest.param(payload_byte_changed, id="payload-byte-changed"),
    pytest.param(user_id_changed, id="user-id-changed"),
    # SECURITY.md 5: the signature removed, truncated or re-spelled.
    pytest.param(signature_changed(lambda signature: ""), id="signature-removed"),
    pytest.param(lambda forge: forge.token.rpartition(".")[0], id="signature-segment-dropped"),
    pytest.param(
        signature_changed(lambda signature: signature[: len(signature) // 2]),
        id="signature-truncated",
    ),
    pytest.param(signature_changed(one_character_changed), id="signature-character-changed"),
    pytest.param(
        signature_changed(lambda signature: f"{signature}=="), id="signature-base64-padding"
    ),
    pytest.param(signature_changed(unused_bits_set), id="signature-unused-low-bits-set"),
    # SECURITY.md 6: expiry.
    pytest.param(expired, id="expired"),
    pytest.param(lambda forge: forge.with_claims(exp=None), id="exp-missing"),
    pytest.param(lambda forge: forge.with_claims(exp="tomorrow"), id="exp-not-a-number"),
    pytest.param(lambda forge: forge.with_claims(exp=str(forge.claims["exp"])), id="exp-string"),
    pytest.param(lambda forge: forge.with_claims(exp=forge.claims["exp"] + 0.5), id="exp-float"),
    pytest.param(lambda forge: forge.with_claims(iat=None), id="iat-missing"),
    # SECURITY.md 7: not valid yet.
    pytest.param(issued_in_the_future, id="iat-in-future"),
    pytest.param(lambda forge: forge.with_claims(nbf=int(NOW.timestamp()) + HOUR), id="nbf-future"),
    # A NumericDate is a JSON number; PyJWT would cast these with int().
    pytest.param(lambda forge: forge.with_claims(nbf="0"), id="nbf-string"),
    pytest.param(lambda forge: forge.with_claims(nbf=False), id="nbf-bool"),
    pytest.param(lambda forge: forge.with_claims(nbf=0.5), id="nbf-float"),
    # SECURITY.md 8: no or an unknown token type (the other type: see below).
    pytest.param(lambda forge: forge.with_claims(token_type=None), id="token-type-missing"),
    pytest.param(lambda forge: forge.with_claims(token_type="admin"), id="token-type-unknown"),
    # SECURITY.md 9: no token id.
    pytest.param(lambda forge: forge.with_claims(jti=None), id="jti-missing"),
    pytest.param(lambda forge: forge.with_claims(jti=""), id="jti-empty"),
    pytest.param(lambda forge: forge.with_claims(jti=12345), id="jti-number"),
    # SECURITY.md 10: unknown or hostile key ids, headers that locate keys elsewhere.
    pytest.param(lambda forge: forge.sign(kid=None), id="kid-missing"),
    pytest.param(lambda forge: forge.sign(kid=b64url(secrets.token_bytes(32))), id="kid-unknown"),
    pytest.param(lambda forge: forge.sign(kid="../../etc/passwd"), id="kid-path-traversal"),
    pytest.param(lambda forge: forge.sign(kid="/dev/null"), id="kid-absolute-path"),
    pytest.param(
        lambda forge: forge.sign(kid=get_jwt_settings().JWT_PRIVATE_KEY_PATH),
        id="kid-private-key-file-name",
    ),
    pytest.param(lambda forge: forge.sign(kid="' OR '1'='1"), id="kid-sql-injection"),
    pytest.param(lambda forge: forge.sign(kid="A" * 4000), id="kid-absurd-length"),
    pytest.param(lambda forge: forge.sign(kid=""), id="kid-empty"),
    pytest.param(lambda forge: forge.sign(kid=12345), id="kid-number"),
    pytest.param(lambda forge: forge.sign(kid=[forge.kid]), id="kid-list"),
    pytest.param(lambda forge: forge.sign(kid={"kid": forge.kid}), id="kid-object"),
    pytest.param(
        lambda forge: forge.raw(
            json.dumps({**forge.header(), "kid": None}).encode(), json.dumps(forge.claims).encode()
        ),
        id="kid-null",
    ),
    pytest.param(lambda forge: forge.sign(kid=f"{forge.kid}="), id="kid-with-padding"),
    # Signed by our key under our kid, yet naming a key elsewhere: refused all the same.
    pytest.param(lambda forge: forge.sign(jku=ATTACKER_URL), id="jku"),
    pytest.param(lambda forge: forge.sign(x5u="https://attacker.example/c.pem"), id="x5u"),
    pytest.param(lambda forge: forge.sign(jwk=foreign_jwk(forge)), id="jwk"),
    pytest.param(lambda forge: forge.sign(x5c=[foreign_certificate(forge)]), id="x5c"),
    # Signed by the attacker's key, which the header names or carries.
    pytest.param(lambda forge: forge.as_foreign(jku=ATTACKER_URL), id="jku-foreign-key"),
    pytest.param(
        lambda forge: forge.as_foreign(jwk={**foreign_jwk(forge), "kid": forge.kid}, kid=forge.kid),
        id="jwk-foreign-key-our-kid",
    ),
    # crit names extensions the verifier must understand; it understands none.
    pytest.param(lambda forge: forge.sign(crit=["exp"], exp=forge.claims["exp"]), id="crit"),
    # b64=false (RFC 7797): the signature would cover the raw payload, not the segment.
    pytest.param(lambda forge: forge.sign(b64=False, crit=["b64"]), id="b64-false"),
    pytest.param(lambda forge: forge.sign(b64=True), id="b64-true"),
    # SECURITY.md 11: an audience when none is configured (a token meant for another service).
    pytest.param(lambda forge: forge.with_claims(aud=AUDIENCE), id="aud-none-configured"),
    # SECURITY.md 12: not a JWT.
    pytest.param(lambda forge: "", id="empty"),
    pytest.param(lambda forge: forge.token.replace(".", ""), id="one-segment"),
    pytest.param(lambda forge: f"{forge.token}.{forge.segments()[2]}", id="four-segments"),
    pytest.param(lambda forge: "***.@@@.!!!", id="not-base64"),
    pytest.param(lambda forge: forge.raw(b"please verify", b"{}"), id="header-not-json"),
    pytest.param(
        lambda forge: forge.raw(json.dumps(forge.header()).encode(), b"user_id=1"),
        id="payload-not-json",
    ),
    pytest.param(
        lambda forge: forge.raw(
            json.dumps(list(forge.header().values())).encode(), json.dumps(forge.claims).encode()
        ),
        id="header-json-array",
    ),
    pytest.param(
        lambda forge: forge.raw(json.dumps(forge.header()).encode(), b"[1, 2, 3]"),
        id="payload-json-array",
    ),
    pytest.param(deeply_nested("header"), id="header-deeply-nested"),
    pytest.param(deeply_nested("payload"), id="payload-deeply-nested"),
    pytest.param(lambda forge: forge.with_claims(padding="x" * 100_000), id="100-kB"),
    pytest.param(lambda forge: forge.with_claims(padding="x" * 1_000_000), id="1-MB"),
]


@pytest.fixture(scope="module")
def foreign_key() -> PrivateKey:
    """An attacker's key pair of the project algorithm's kind, made once for the module."""
    return generate_private_key(get_jwt_settings().JWT_ALGORITHM)


def stored_public_key_pem() -> bytes:
    with key_storage("public").open(get_jwt_settings().JWT_PUBLIC_KEY_PATH, "rb") as key_file:
        return bytes(key_file.read())


@pytest.fixture
def forge(user: Any, change_settings: Any, foreign_key: PrivateKey) -> Forge:
    # Without iss and aud: tokens with them have their own tests (SECURITY.md 11) below.
    change_settings(JWT_ISSUER=None, JWT_AUDIENCE=None)
    jwt_settings = get_jwt_settings()
    return Forge(
        token=mint(user, "access"),
        algorithm=jwt_settings.JWT_ALGORITHM,
        key=key_cache.signing_key().private_key,
        public_key_pem=stored_public_key_pem(),
        foreign_key=foreign_key,
    )


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if anything tries to open a URL or a connection (SECURITY.md 10)."""
    attempts: list[str] = []

    def refuse_urlopen(request: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(str(getattr(request, "full_url", request)))
        raise OSError("network access attempted")

    def refuse_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(repr(address))
        raise OSError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse_urlopen)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    yield
    assert attempts == [], "the verifier tried to fetch something"


def test_hand_signed_tokens_are_accepted(forge: Forge) -> None:
    """The control of the forgeries: our header and claims signed by hand, and an extra claim,
    pass; so each forged token below is refused for its one change."""
    assert json.loads(b64url_decode(forge.segments()[0])) == forge.header()
    for token in (forge.token, forge.sign(), forge.with_claims(padding="x")):
        assert verify_token(token, "access")["jti"] == forge.claims["jti"]


@pytest.mark.parametrize("make_token", FORGERIES)
def test_forged_token_is_refused(forge: Forge, no_network: None, make_token: Forgery) -> None:
    """SECURITY.md 1-12, one forgery each."""
    assert_refused(make_token(forge))


@pytest.mark.parametrize(
    ("minted", "asked"),
    [("refresh", "access"), ("access", "refresh")],
    ids=["refresh-as-access", "access-as-refresh"],
)
def test_a_token_of_the_other_type_is_refused(user: Any, minted: str, asked: str) -> None:
    """SECURITY.md 8: refused as the other type, also once verified and remembered."""
    token = mint(user, minted)
    assert_refused(token, asked)
    assert verify_token(token, minted)["token_type"] == minted
    assert_refused(token, asked)


# --- Issuer and audience (SECURITY.md 11) ---


def test_no_issuer_or_audience_unless_configured(user: Any, change_settings: Any) -> None:
    change_settings(JWT_ISSUER=None, JWT_AUDIENCE=None)
    claims = claims_of(mint(user, "access"))
    assert "iss" not in claims
    assert "aud" not in claims


def test_issuer_and_audience_are_written_and_required(user: Any, change_settings: Any) -> None:
    change_settings(JWT_ISSUER=None, JWT_AUDIENCE=None)
    minted_before = {"access": mint(user, "access")}
    minted_before["refresh"] = mint(user, "refresh")
    change_settings(JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE)

    for token_type, old_token in minted_before.items():
        token = mint(user, token_type)
        assert (claims_of(token)["iss"], claims_of(token)["aud"]) == (ISSUER, AUDIENCE)
        assert verify_token(token, token_type)["user_id"] == user.pk
        assert_refused(old_token, token_type)  # it has neither
    # An audience list naming us is accepted too (RFC 7519 section 4.1.3).
    with_audiences = resign(mint(user, "access"), aud=[AUDIENCE, "https://other.example"])
    assert verify_token(with_audiences, "access")["user_id"] == user.pk


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"iss": None}, id="iss-missing"),
        pytest.param({"iss": "https://evil.example.com"}, id="iss-wrong"),
        # A substring comparison (as in PyJWT 2.10.0) would accept these two.
        pytest.param({"iss": ISSUER[:-4]}, id="iss-prefix-of-ours"),
        pytest.param({"iss": f"{ISSUER}.evil.example"}, id="iss-ours-extended"),
        pytest.param({"iss": ISSUER.upper()}, id="iss-other-case"),
        pytest.param({"iss": [ISSUER]}, id="iss-list"),
        pytest.param({"aud": None}, id="aud-missing"),
        pytest.param({"aud": "https://other-api.example.com"}, id="aud-wrong"),
        pytest.param({"aud": f"{AUDIENCE}/v2"}, id="aud-ours-extended"),
        pytest.param({"aud": ["https://other-api.example.com", ISSUER]}, id="aud-list-not-ours"),
        pytest.param({"aud": 1}, id="aud-number"),
    ],
)
def test_wrong_issuer_or_audience_is_refused(
    user: Any, change_settings: Any, changes: dict[str, Any]
) -> None:
    change_settings(JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE)
    assert_refused(resign(mint(user, "access"), **changes))


@pytest.mark.parametrize(
    ("setting", "claim", "value", "other_claim"),
    [("JWT_ISSUER", "iss", ISSUER, "aud"), ("JWT_AUDIENCE", "aud", AUDIENCE, "iss")],
    ids=["only-an-issuer", "only-an-audience"],
)
def test_an_issuer_or_an_audience_alone(
    user: Any, change_settings: Any, setting: str, claim: str, value: str, other_claim: str
) -> None:
    change_settings(**{"JWT_ISSUER": None, "JWT_AUDIENCE": None, setting: value})
    token = mint(user, "access")
    assert claims_of(token)[claim] == value
    assert other_claim not in claims_of(token)
    assert verify_token(token, "access")[claim] == value
    assert_refused(resign(token, **{claim: None}))
    assert_refused(resign(token, **{claim: f"{value}-other"}))


# --- Leeway for clock skew (SECURITY.md 6, 7) ---

Times = Callable[[int], dict[str, int]]


def expired_since(seconds: int) -> Times:
    return lambda now: {"iat": now - HOUR - seconds, "exp": now - seconds}


def issued_in(seconds: int) -> Times:
    return lambda now: {"iat": now + seconds, "exp": now + seconds + HOUR}


def valid_from(seconds: int) -> Times:
    return lambda now: {"nbf": now + seconds}


@pytest.mark.parametrize(
    ("leeway", "times", "accepted"),
    [
        # The clock stands still half a second past NOW's whole second: each pair is one
        # second on either side of the edge (PyJWT compares against the fractional time).
        pytest.param(10, expired_since(9), True, id="10s-exp-9s-past"),
        pytest.param(10, expired_since(10), False, id="10s-exp-10s-past"),
        pytest.param(10, issued_in(10), True, id="10s-iat-10s-ahead"),
        pytest.param(10, issued_in(11), False, id="10s-iat-11s-ahead"),
        pytest.param(10, valid_from(10), True, id="10s-nbf-10s-ahead"),
        pytest.param(10, valid_from(11), False, id="10s-nbf-11s-ahead"),
        # Longer, yet shorter than the shortest access lifetime a project can have (1 minute).
        pytest.param(30, expired_since(29), True, id="30s-exp-29s-past"),
        pytest.param(30, expired_since(30), False, id="30s-exp-30s-past"),
        pytest.param(30, issued_in(30), True, id="30s-iat-30s-ahead"),
        pytest.param(30, issued_in(31), False, id="30s-iat-31s-ahead"),
        pytest.param(30, valid_from(30), True, id="30s-nbf-30s-ahead"),
        pytest.param(30, valid_from(31), False, id="30s-nbf-31s-ahead"),
        pytest.param(0, expired_since(0), False, id="0s-exp-now"),
        pytest.param(0, issued_in(1), False, id="0s-iat-1s-ahead"),
        pytest.param(0, valid_from(1), False, id="0s-nbf-1s-ahead"),
    ],
)
def test_leeway_for_clock_skew(
    user: Any, change_settings: Any, leeway: int, times: Times, accepted: bool
) -> None:
    change_settings(JWT_LEEWAY=timedelta(seconds=leeway))
    token = resign(mint(user, "access"), **times(int(NOW.timestamp())))
    if accepted:
        assert verify_token(token, "access")["user_id"] == user.pk
    else:
        assert_refused(token)


# --- Mutations of valid tokens (property) ---

# Bounded; no deadline (the first example may load keys); no example database written into
# the project.
BOUNDED = hypothesis_settings(max_examples=150, deadline=None, database=None)
ANY_CHARACTER = st.characters(exclude_categories=["Cs"])  # any but lone surrogates


@pytest.fixture(scope="module")
def valid_tokens() -> tuple[str, str]:
    """An access and a refresh token of a user that is never saved (no database), issued at
    ``NOW`` (a test before may have left the clock elsewhere when this fixture is made)."""
    user = get_user_model()(pk=4242)
    issued_at = int(NOW.timestamp())
    access, refresh = (
        mint_token(user, kind, session_id="s", issued_at=issued_at)
        for kind in ("access", "refresh")
    )
    return access.token, refresh.token


@st.composite
def one_character_mutated(draw: st.DrawFn, token: str) -> str:
    """One character replaced, bit-flipped, inserted or deleted; often at a segment's edge,
    where encodings have corner cases."""
    dots = [index for index, char in enumerate(token) if char == "."]
    edges = {0, len(token) - 1, *(dot - 1 for dot in dots), *(dot + 1 for dot in dots)}
    position = draw(
        st.one_of(
            st.integers(min_value=0, max_value=len(token) - 1),
            st.sampled_from(sorted(edges)),
        )
    )
    before, after = token[:position], token[position + 1 :]
    change = draw(st.sampled_from(["replace", "flip", "insert", "delete"]))
    if change == "replace":
        return before + draw(ANY_CHARACTER) + after
    if change == "flip":
        return before + chr(ord(token[position]) ^ (1 << draw(st.integers(0, 6)))) + after
    if change == "insert":
        return before + draw(ANY_CHARACTER) + token[position:]
    return before + after


@st.composite
def segments_rearranged(draw: st.DrawFn, first: str, second: str) -> str:
    """1 to 5 of the two tokens' six segments: swapped, dropped, duplicated, spliced."""
    segments = [*first.split("."), *second.split(".")]
    picks = draw(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=5))
    return ".".join(segments[index] for index in picks)


def test_the_unmutated_tokens_are_valid(valid_tokens: tuple[str, str]) -> None:
    """The control of the property below."""
    access, refresh = valid_tokens
    assert verify_token(access, "access")["user_id"] == 4242
    assert verify_token(refresh, "refresh")["user_id"] == 4242


@BOUNDED
@given(data=st.data())
def test_the_verifier_refuses_every_mutation(
    valid_tokens: tuple[str, str], data: st.DataObject
) -> None:
    """SECURITY.md 4, 5, 12: no small change to a valid token is accepted, none crashes."""
    access, refresh = valid_tokens
    mutations = st.one_of(
        one_character_mutated(access),
        one_character_mutated(refresh),
        segments_rearranged(access, refresh),
        segments_rearranged(refresh, access),
    )
    mutated = data.draw(mutations.filter(lambda token: token not in valid_tokens))
    assert_refused(mutated, "access")
    assert_refused(mutated, "refresh")


# --- The verified-token memory: only the signature check is ever skipped ---


def test_a_reused_token_is_checked_for_expiry_every_time(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = mint(user, "access")
    claims = verify_token(token, "access")  # remembered from now on
    leeway = get_jwt_settings().JWT_LEEWAY.total_seconds()

    monkeypatch.setattr(time, "time", lambda: claims["exp"] + leeway - 1)
    assert verify_token(token, "access") == claims
    monkeypatch.setattr(time, "time", lambda: claims["exp"] + leeway)
    assert_refused(token)


def test_a_reused_token_dies_with_its_key(user: Any, keys: Path) -> None:
    """``make_jwt_key --force`` signs everyone out, also in a process that verified the token."""
    token = mint(user, "access")
    verify_token(token, "access")
    make_keys("--force")
    assert_refused(token)


def test_changing_the_returned_claims_does_not_change_the_next_answer(user: Any) -> None:
    token = mint(user, "access")
    verify_token(token, "access")["user_id"] = "someone else"
    assert verify_token(token, "access")["user_id"] == user.pk


def test_the_memory_is_bounded(user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_TOKEN_CACHE_SIZE", 3)
    for _ in range(10):
        verify_token(mint(user, "access"), "access")
    assert 0 < len(tokens._verified) <= 3


# --- Algorithms, times ---


def test_tokens_are_signed_with_the_algorithm_and_name_their_key(algorithm: str, user: Any) -> None:
    public_pem = stored_public_key_pem()
    kid = key_id(load_public_key(public_pem, get_jwt_settings().JWT_ALGORITHM))
    for token_type in ("access", "refresh"):
        token = mint(user, token_type)
        assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT", "kid": kid}
        # Anyone holding the public key verifies it, with that one algorithm.
        assert jwt.decode(token, public_pem, algorithms=[algorithm])["user_id"] == user.pk
        assert verify_token(token, token_type)["user_id"] == user.pk


def test_tokens_of_another_algorithm_are_refused(
    settings: Any, tmp_path: Path, key_folders: dict[str, Path], user: Any
) -> None:
    """After a change of algorithm (and ``make_jwt_key --force``), tokens of the old one die."""
    minted = {}
    for name in ALGORITHMS:
        use_keys(settings, key_folders[name], tmp_path / name, name)
        minted[name] = mint(user, "access")
    for name in ALGORITHMS:
        use_keys(settings, key_folders[name], tmp_path / name, name)
        for minted_with, token in minted.items():
            if minted_with == name:
                assert verify_token(token, "access")["user_id"] == user.pk
            else:
                assert_refused(token)


@pytest.mark.parametrize(
    ("use_tz", "time_zone"),
    [
        (False, "Pacific/Kiritimati"),  # UTC+14
        (False, "Pacific/Pago_Pago"),  # UTC-11
        (True, "Pacific/Kiritimati"),
        (True, "America/New_York"),
    ],
)
def test_token_times_do_not_depend_on_time_zone_settings(
    settings: Any, user: Any, use_tz: bool, time_zone: str
) -> None:
    """``iat`` is now in seconds since the epoch and ``exp`` is ``iat`` plus the lifetime the
    settings give the type, whatever ``USE_TZ`` and ``TIME_ZONE`` say."""
    settings.USE_TZ = use_tz
    settings.TIME_ZONE = time_zone
    jwt_settings = get_jwt_settings()
    lifetimes = {
        "access": jwt_settings.JWT_ACCESS_TOKEN_LIFETIME,
        "refresh": jwt_settings.JWT_REFRESH_TOKEN_LIFETIME,
    }
    for token_type, lifetime in lifetimes.items():
        token = mint(user, token_type)
        claims = claims_of(token)
        assert claims["iat"] == int(NOW.timestamp())
        assert claims["exp"] - claims["iat"] == lifetime.total_seconds()
        assert verify_token(token, token_type)["iat"] == claims["iat"]


def test_a_session_s_token_times_come_from_one_reading_of_the_clock(
    client: Any, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh cookie's Max-Age is the token's ``exp - iat``: the same lifetime even when
    the clock crosses a second between two readings (here every reading moves it 0.6 s)."""
    readings = iter(range(10_000))
    monkeypatch.setattr(time, "time", lambda: NOW.timestamp() + 0.6 * next(readings))
    response = client.post(
        url("web_signin"), {"username": LOGIN, "password": PASSWORD}, "application/json"
    )
    cookie = response.cookies[get_jwt_settings().JWT_REFRESH_COOKIE_NAME]
    lifetime = get_jwt_settings().JWT_REFRESH_TOKEN_LIFETIME.total_seconds()
    claims = claims_of(cookie.value)
    assert int(cookie["max-age"]) == claims["exp"] - claims["iat"] == lifetime
