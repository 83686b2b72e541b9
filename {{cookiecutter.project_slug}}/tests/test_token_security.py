"""Forged, tampered and malformed tokens are turned away with a JSON 401, never a 200 or a 500.

One table of attacks (security.md; RFC 8725, the OWASP JWT cheat sheet) is applied to every
endpoint that reads a token: the protected ``/me`` (access token as Bearer) and the
token-refresh and sign-out endpoints (refresh token in a JSON body or in the refresh cookie).
Each forged token is built by hand from the claims of a valid token of the type the endpoint
expects, signed with the algorithm the project is configured for, so it differs from an
accepted token by the one thing under attack; ``test_hand_signed_tokens_are_accepted`` proves
that the hand-built tokens are otherwise valid. Sign-in throttling (17) and the JWK Set (19)
close the file.
"""

import base64
import hashlib
import hmac
import json
import secrets
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from django.test import Client, RequestFactory
from django.urls import reverse
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.jwt.jwk import PrivateKey, generate_private_key, key_id, public_jwk
from ninja_simple_jwt.jwt.keys import get_signing_key
from ninja_simple_jwt.jwt.tokens import (
    ACCESS_TOKEN_TYPE,
    REFRESH_TOKEN_TYPE,
    mint_access_token,
    mint_refresh_token,
)
from ninja_simple_jwt.settings import get_jwt_settings

from tests.conftest import (
    CREDENTIALS,
    LOGIN,
    LOGIN_CLAIM,
    PASSWORD,
    SIGN_IN,
    create_user,
    url,
)
from tests.jwt_helpers import (
    b64url,
    b64url_decode,
    configured_algorithm,
    header_for,
    json_segment,
    sign_bytes,
    sign_claims,
)

# The test client's response (an HttpResponse with .json()).
Response = Any
Sender = Callable[[Client, str], Response]

HOUR = 3600
# For each algorithm, another one the same key could sign with: the header must not choose it.
OTHER_ALGORITHM_SAME_KEY = {"RS256": "RS512", "ES256": "ES384", "EdDSA": "Ed25519"}
ATTACKER_URL = "https://attacker.example/.well-known/jwks.json"
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@dataclass(frozen=True)
class Forge:
    """A valid token of the type an endpoint expects, and what an attacker could sign with."""

    valid_token: str
    other_type_token: str
    claims: dict[str, Any]
    algorithm: str
    signing_key: PrivateKey
    public_key_pem: bytes
    foreign_key: PrivateKey

    @property
    def kid(self) -> str:
        return key_id(self.signing_key.public_key())

    def segments(self) -> tuple[str, str, str]:
        header, payload, signature = self.valid_token.split(".")
        return header, payload, signature

    def header(self, **changes: Any) -> dict[str, Any]:
        """Our header (alg, typ, kid) with ``changes`` (``None`` removes a parameter)."""
        header = {**header_for(self.signing_key, self.algorithm), **changes}
        return {name: value for name, value in header.items() if value is not None}

    def sign(
        self,
        claims: dict[str, Any],
        key: PrivateKey | None = None,
        header: dict[str, Any] | None = None,
    ) -> str:
        """``claims`` signed with the project's key or ``key``, under our header (or ``header``)."""
        return sign_claims(
            claims, key or self.signing_key, header or self.header(), algorithm=self.algorithm
        )

    def sign_changed(self, **changes: Any) -> str:
        """The valid claims with ``changes`` (``None`` removes a claim), properly signed."""
        claims = {**self.claims, **changes}
        return self.sign({name: value for name, value in claims.items() if value is not None})

    def sign_with_header(self, **changes: Any) -> str:
        """The valid claims under our header with ``changes``, signed with the project's key."""
        return self.sign(self.claims, header=self.header(**changes))

    def sign_as_foreign(self, **header_changes: Any) -> str:
        """The valid claims signed with the attacker's key, under its own kid by default."""
        header = {**header_for(self.foreign_key, self.algorithm), **header_changes}
        return self.sign(self.claims, key=self.foreign_key, header=header)


TokenMaker = Callable[[Forge], str]


# --- The attacks: each builds one bad token from a Forge. ---


def alg_none(forge: Forge) -> str:
    return f"{json_segment(forge.header(alg='none'))}.{json_segment(forge.claims)}."


def alg_none_upper_case(forge: Forge) -> str:
    return f"{json_segment(forge.header(alg='NONE'))}.{json_segment(forge.claims)}."


def alg_none_keeping_signature(forge: Forge) -> str:
    _, payload, signature = forge.segments()
    return f"{json_segment(forge.header(alg='none'))}.{payload}.{signature}"


def hs256_with_public_key_as_secret(forge: Forge) -> str:
    signing_input = f"{json_segment(forge.header(alg='HS256'))}.{json_segment(forge.claims)}"
    mac = hmac.new(forge.public_key_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def other_algorithm_with_project_key(forge: Forge) -> str:
    # The right key and kid but an algorithm the server did not pin (RS512, ES384, Ed25519).
    other = OTHER_ALGORITHM_SAME_KEY[forge.algorithm]
    return sign_bytes(
        json.dumps(forge.header(alg=other)).encode(),
        json.dumps(forge.claims).encode(),
        forge.signing_key,
        other,
    )


def signed_by_another_key_pair(forge: Forge) -> str:
    # Naming our kid: the server's key is chosen, and the signature does not match it.
    return forge.sign_as_foreign(kid=forge.kid)


def signed_by_another_key_pair_with_its_kid(forge: Forge) -> str:
    return forge.sign_as_foreign()


def payload_byte_changed(forge: Forge) -> str:
    header, payload, signature = forge.segments()
    raw = bytearray(b64url_decode(payload))
    position = raw.index(b'"jti":"') + len(b'"jti":"')
    raw[position] = ord("A") if raw[position] != ord("A") else ord("B")
    return f"{header}.{b64url(bytes(raw))}.{signature}"


def user_id_changed(forge: Forge) -> str:
    header, _, signature = forge.segments()
    payload = json_segment({**forge.claims, "user_id": forge.claims["user_id"] + 1})
    return f"{header}.{payload}.{signature}"


def signature_removed(forge: Forge) -> str:
    header, payload, _ = forge.segments()
    return f"{header}.{payload}."


def signature_segment_dropped(forge: Forge) -> str:
    header, payload, _ = forge.segments()
    return f"{header}.{payload}"


def signature_truncated(forge: Forge) -> str:
    header, payload, signature = forge.segments()
    return f"{header}.{payload}.{signature[: len(signature) // 2]}"


def signature_byte_changed(forge: Forge) -> str:
    header, payload, signature = forge.segments()
    middle = len(signature) // 2
    replacement = "A" if signature[middle] != "A" else "B"
    return f"{header}.{payload}.{signature[:middle]}{replacement}{signature[middle + 1 :]}"


def signature_padding_added(forge: Forge) -> str:
    # A lenient base64 decoder reads "sig==" as "sig": a second spelling of the same token.
    return f"{forge.valid_token}=="


def signature_non_canonical_base64(forge: Forge) -> str:
    # The last character of an unpadded base64 segment has unused low bits (4 or 2 of them);
    # setting them leaves the bytes a lenient decoder reads unchanged: the same signature,
    # spelled another way. RS256 (256 bytes) and ES256/EdDSA (64 bytes) signatures all leave
    # such a last character.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    header, payload, signature = forge.segments()
    unused_bits = {2: 0b1111, 3: 0b11}[len(signature) % 4]
    last = alphabet[alphabet.index(signature[-1]) | unused_bits]
    return f"{header}.{payload}.{signature[:-1]}{last}"


def expired(forge: Forge) -> str:
    lifetime = forge.claims["exp"] - forge.claims["iat"]
    now = int(time.time())
    return forge.sign_changed(iat=now - HOUR - lifetime, exp=now - HOUR)


def exp_missing(forge: Forge) -> str:
    return forge.sign({name: value for name, value in forge.claims.items() if name != "exp"})


def exp_not_a_number(forge: Forge) -> str:
    return forge.sign_changed(exp="tomorrow")


def exp_numeric_string(forge: Forge) -> str:
    return forge.sign_changed(exp=str(forge.claims["exp"]))


def iat_in_future(forge: Forge) -> str:
    lifetime = forge.claims["exp"] - forge.claims["iat"]
    now = int(time.time())
    return forge.sign_changed(iat=now + HOUR, exp=now + HOUR + lifetime)


def nbf_in_future(forge: Forge) -> str:
    return forge.sign_changed(nbf=int(time.time()) + HOUR)


def iat_missing(forge: Forge) -> str:
    return forge.sign({name: value for name, value in forge.claims.items() if name != "iat"})


def other_token_type(forge: Forge) -> str:
    # A refresh token as Bearer; an access token at a refresh endpoint. Genuinely minted.
    return forge.other_type_token


def token_type_missing(forge: Forge) -> str:
    return forge.sign({name: value for name, value in forge.claims.items() if name != "token_type"})


def token_type_unknown(forge: Forge) -> str:
    return forge.sign_changed(token_type="admin")


def jti_missing(forge: Forge) -> str:
    return forge.sign({name: value for name, value in forge.claims.items() if name != "jti"})


def jti_empty(forge: Forge) -> str:
    return forge.sign_changed(jti="")


def kid_missing(forge: Forge) -> str:
    return forge.sign_with_header(kid=None)


def kid_unknown(forge: Forge) -> str:
    # Well formed, signed by our key: still refused (after at most one reload of the keys).
    return forge.sign_with_header(kid=b64url(secrets.token_bytes(32)))


def kid_path(path: str) -> TokenMaker:
    def make(forge: Forge) -> str:
        return forge.sign_with_header(kid=path)

    return make


def kid_not_a_string(value: Any) -> TokenMaker:
    def make(forge: Forge) -> str:
        return forge.sign_with_header(kid=value)

    return make


def kid_null(forge: Forge) -> str:
    return sign_bytes(
        json.dumps({"alg": forge.algorithm, "typ": "JWT", "kid": None}).encode(),
        json.dumps(forge.claims).encode(),
        forge.signing_key,
        forge.algorithm,
    )


def kid_with_padding(forge: Forge) -> str:
    return forge.sign_with_header(kid=f"{forge.kid}=")


def jku_elsewhere(forge: Forge) -> str:
    # The attacker's key, named by kid and published at a URL the server must never fetch.
    return forge.sign_as_foreign(jku=ATTACKER_URL)


def x5u_elsewhere(forge: Forge) -> str:
    return forge.sign_as_foreign(x5u="https://attacker.example/certificate.pem")


def jwk_embedded(forge: Forge) -> str:
    # The key that verifies it travels in the header: if the server used it, this would pass.
    embedded = public_jwk(forge.foreign_key.public_key(), forge.algorithm)  # type: ignore[arg-type]
    return forge.sign_as_foreign(jwk=embedded)


def jwk_embedded_with_our_kid(forge: Forge) -> str:
    embedded = public_jwk(forge.foreign_key.public_key(), forge.algorithm)  # type: ignore[arg-type]
    return forge.sign_as_foreign(jwk={**embedded, "kid": forge.kid}, kid=forge.kid)


def x5c_embedded(forge: Forge) -> str:
    return forge.sign_as_foreign(x5c=[self_signed_certificate(forge.foreign_key)])


def crit_header(forge: Forge) -> str:
    # "crit" names extensions the server must understand; it understands none.
    return forge.sign_with_header(crit=["exp"], exp=forge.claims["exp"])


def unencoded_payload(forge: Forge) -> str:
    # RFC 7797: with b64=false the signature covers the raw payload, not the segment we read.
    return forge.sign_with_header(b64=False, crit=["b64"])


def empty(forge: Forge) -> str:
    return ""


def one_segment(forge: Forge) -> str:
    return forge.valid_token.replace(".", "")


def four_segments(forge: Forge) -> str:
    return f"{forge.valid_token}.{forge.segments()[2]}"


def not_base64(forge: Forge) -> str:
    return "***.@@@.!!!"


def header_not_json(forge: Forge) -> str:
    return sign_bytes(
        b"please verify", json.dumps(forge.claims).encode(), forge.signing_key, forge.algorithm
    )


def payload_not_json(forge: Forge) -> str:
    return sign_bytes(
        json.dumps(forge.header()).encode(), b"user_id=1", forge.signing_key, forge.algorithm
    )


def header_json_array(forge: Forge) -> str:
    return sign_bytes(
        json.dumps([forge.algorithm, "JWT", forge.kid]).encode(),
        json.dumps(forge.claims).encode(),
        forge.signing_key,
        forge.algorithm,
    )


def payload_json_array(forge: Forge) -> str:
    return sign_bytes(
        json.dumps(forge.header()).encode(), b"[1, 2, 3]", forge.signing_key, forge.algorithm
    )


def oversized(size: int) -> TokenMaker:
    """A correctly signed token carrying ``size`` bytes of padding claim."""

    def make(forge: Forge) -> str:
        return forge.sign_changed(padding="x" * size)

    return make


def self_signed_certificate(key: PrivateKey) -> str:
    """A base64 DER certificate of ``key``, as an ``x5c`` header would carry it."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker.example")])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
    )
    digest = None if configured_algorithm() == "EdDSA" else hashes.SHA256()
    certificate = builder.sign(key, digest)
    return base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()


FORGED_TOKENS = [
    # 1. alg none
    pytest.param(alg_none, id="alg-none"),
    pytest.param(alg_none_upper_case, id="alg-NONE"),
    pytest.param(alg_none_keeping_signature, id="alg-none-keeping-signature"),
    # 2. algorithm confusion
    pytest.param(hs256_with_public_key_as_secret, id="hs256-public-key-as-secret"),
    pytest.param(other_algorithm_with_project_key, id="other-algorithm-than-the-pinned-one"),
    # 3. another key pair
    pytest.param(signed_by_another_key_pair, id="signed-by-another-key-pair"),
    pytest.param(signed_by_another_key_pair_with_its_kid, id="signed-by-another-key-pair-its-kid"),
    # 4, 5. tampered payload or signature
    pytest.param(payload_byte_changed, id="payload-byte-changed"),
    pytest.param(user_id_changed, id="user-id-changed"),
    pytest.param(signature_removed, id="signature-removed"),
    pytest.param(signature_segment_dropped, id="signature-segment-dropped"),
    pytest.param(signature_truncated, id="signature-truncated"),
    pytest.param(signature_byte_changed, id="signature-byte-changed"),
    pytest.param(signature_padding_added, id="signature-base64-padding-added"),
    pytest.param(signature_non_canonical_base64, id="signature-non-canonical-base64"),
    # 6, 7. times
    pytest.param(expired, id="expired"),
    pytest.param(exp_missing, id="exp-missing"),
    pytest.param(exp_not_a_number, id="exp-not-a-number"),
    pytest.param(exp_numeric_string, id="exp-numeric-string"),
    pytest.param(iat_in_future, id="iat-in-future"),
    pytest.param(nbf_in_future, id="nbf-in-future"),
    pytest.param(iat_missing, id="iat-missing"),
    # 8, 9. token type and jti
    pytest.param(other_token_type, id="other-token-type"),
    pytest.param(token_type_missing, id="token-type-missing"),
    pytest.param(token_type_unknown, id="token-type-unknown"),
    pytest.param(jti_missing, id="jti-missing"),
    pytest.param(jti_empty, id="jti-empty"),
    # 10. kid and key-locating headers
    pytest.param(kid_missing, id="kid-missing"),
    pytest.param(kid_unknown, id="kid-unknown"),
    pytest.param(kid_path("../../etc/passwd"), id="kid-path-traversal"),
    pytest.param(kid_path("/dev/null"), id="kid-absolute-path"),
    pytest.param(kid_path("jwt-signing.pem"), id="kid-private-key-file-name"),
    pytest.param(kid_path("' OR '1'='1"), id="kid-sql-injection"),
    pytest.param(kid_path("A" * 4000), id="kid-absurd-length"),
    pytest.param(kid_path(""), id="kid-empty"),
    pytest.param(kid_not_a_string(12345), id="kid-number"),
    pytest.param(kid_not_a_string(["kid"]), id="kid-list"),
    pytest.param(kid_not_a_string({"kid": "x"}), id="kid-object"),
    pytest.param(kid_null, id="kid-null"),
    pytest.param(kid_with_padding, id="kid-with-padding"),
    pytest.param(jku_elsewhere, id="jku-pointing-elsewhere"),
    pytest.param(x5u_elsewhere, id="x5u-pointing-elsewhere"),
    pytest.param(jwk_embedded, id="jwk-embedded"),
    pytest.param(jwk_embedded_with_our_kid, id="jwk-embedded-with-our-kid"),
    pytest.param(x5c_embedded, id="x5c-embedded"),
    pytest.param(crit_header, id="crit-header"),
    pytest.param(unencoded_payload, id="b64-false-unencoded-payload"),
    # 12. not a JWT at all
    pytest.param(empty, id="empty"),
    pytest.param(one_segment, id="one-segment"),
    pytest.param(four_segments, id="four-segments"),
    pytest.param(not_base64, id="not-base64"),
    pytest.param(header_not_json, id="header-base64-of-non-json"),
    pytest.param(payload_not_json, id="payload-base64-of-non-json"),
    pytest.param(header_json_array, id="header-json-array"),
    pytest.param(payload_json_array, id="payload-json-array"),
    pytest.param(oversized(100_000), id="100-kB-token"),
    pytest.param(oversized(1_000_000), id="1-MB-token"),
]


# --- The endpoints that read a token. ---


@dataclass(frozen=True)
class Endpoint:
    token_type: str
    send: Sender
    success_status: int


def send_as_bearer(client: Client, token: str) -> Response:
    return client.get(url("me"), headers={"Authorization": f"Bearer {token}"})


{% if cookiecutter.mobile_auth %}
def send_in_body(client: Client, token: str) -> Response:
    return client.post(
        url("mobile_token_refresh"), {"refresh": token}, content_type="application/json"
    )


{% endif %}
{% if cookiecutter.web_auth %}
def refresh_cookie_name() -> str:
    return get_jwt_settings().JWT_REFRESH_COOKIE_NAME


def send_in_cookie(url_name: str) -> Sender:
    def send(client: Client, token: str) -> Response:
        client.cookies[refresh_cookie_name()] = token
        return client.post(url(url_name))

    return send


{% endif %}
ENDPOINTS = [
    pytest.param(Endpoint(ACCESS_TOKEN_TYPE, send_as_bearer, 200), id="me"),
{% if cookiecutter.mobile_auth %}
    pytest.param(Endpoint(REFRESH_TOKEN_TYPE, send_in_body, 200), id="mobile_token_refresh"),
{% endif %}
{% if cookiecutter.web_auth %}
    pytest.param(
        Endpoint(REFRESH_TOKEN_TYPE, send_in_cookie("web_token_refresh"), 200),
        id="web_token_refresh",
    ),
    pytest.param(
        Endpoint(REFRESH_TOKEN_TYPE, send_in_cookie("web_sign_out"), 204), id="web_sign_out"
    ),
{% endif %}
]


def assert_rejected(response: Response) -> None:
    """A 401 whose body is JSON with a non-empty ``detail``."""
    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert detail


@pytest.fixture(scope="module")
def foreign_key() -> PrivateKey:
    """Another key pair of the configured algorithm's kind, made once for the module."""
    return generate_private_key(get_jwt_settings().JWT_ALGORITHM)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record (and refuse) any attempt to open a URL or a network connection."""
    attempts: list[str] = []

    def refuse_urlopen(request: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(str(getattr(request, "full_url", request)))
        raise OSError("network access attempted")

    def refuse_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(repr(address))
        raise OSError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse_urlopen)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    yield attempts
    assert attempts == [], "the server tried to fetch something"


@pytest.fixture
def forge_for(user: Any, signing_keys: Path, foreign_key: PrivateKey) -> Callable[[str], Forge]:
    public_key_pem = (signing_keys / get_jwt_settings().JWT_PUBLIC_KEY_PATH).read_bytes()

    def make(token_type: str) -> Forge:
        access, refresh = mint_access_token(user), mint_refresh_token(user)
        valid, other = (access, refresh) if token_type == ACCESS_TOKEN_TYPE else (refresh, access)
        claims = json.loads(b64url_decode(valid.split(".")[1]))
        assert claims["token_type"] == token_type
        return Forge(
            valid_token=valid,
            other_type_token=other,
            claims=claims,
            algorithm=configured_algorithm(),
            signing_key=get_signing_key(),
            public_key_pem=public_key_pem,
            foreign_key=foreign_key,
        )

    return make


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hand_signed_tokens_are_accepted(
    client: Client, forge_for: Callable[[str], Forge], endpoint: Endpoint
) -> None:
    """The control: minted and hand-signed tokens pass, so each attack below is what fails."""
    forge = forge_for(endpoint.token_type)
    assert json.loads(b64url_decode(forge.segments()[0])) == forge.header()
    for token in (forge.valid_token, forge.sign(forge.claims), forge.sign_changed(padding="x")):
        response = endpoint.send(client, token)
        assert response.status_code == endpoint.success_status, response.content[:300]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("make_token", FORGED_TOKENS)
def test_forged_token_is_rejected(
    client: Client,
    forge_for: Callable[[str], Forge],
    no_network: list[str],
    endpoint: Endpoint,
    make_token: TokenMaker,
) -> None:
    forge = forge_for(endpoint.token_type)
    response = endpoint.send(client, make_token(forge))
    assert_rejected(response)


def basic_credentials() -> str:
    return base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()


@pytest.mark.parametrize(
    ("make_header", "expected_status"),
    [
        pytest.param(lambda token: None, 401, id="missing"),
        pytest.param(lambda token: "Bearer", 401, id="bearer-alone"),
        pytest.param(lambda token: "Bearer ", 401, id="bearer-and-space"),
        pytest.param(lambda token: f"Basic {basic_credentials()}", 401, id="basic-credentials"),
        pytest.param(lambda token: f"Token {token}", 401, id="other-scheme-valid-token"),
        pytest.param(lambda token: token, 401, id="token-without-scheme"),
        pytest.param(lambda token: f"Bearer {token} {token}", 401, id="two-tokens"),
        pytest.param(lambda token: f"Bearer {token}, Bearer {token}", 401, id="two-credentials"),
        pytest.param(lambda token: f"Bearer  {token}", 401, id="two-spaces"),
        pytest.param(lambda token: f"Bearer\t{token}", 401, id="tab-separator"),
        pytest.param(lambda token: f"Bearer {token}", 200, id="bearer"),
        pytest.param(lambda token: f"bearer {token}", 200, id="lower-case-scheme"),
        pytest.param(lambda token: f"BEARER {token}", 200, id="upper-case-scheme"),
    ],
)
def test_authorization_header_variants(
    client: Client,
    user: Any,
    access_token: str,
    make_header: Callable[[str], str | None],
    expected_status: int,
) -> None:
    header = make_header(access_token)
    headers = {} if header is None else {"Authorization": header}
    response = client.get(url("me"), headers=headers)
    if expected_status == 200:
        assert response.status_code == 200, response.content[:300]
        assert response.json()["user_id"] == user.pk
    else:
        assert_rejected(response)


{% if cookiecutter.web_auth %}
@pytest.mark.parametrize(
    ("url_name", "success_status"),
    [("web_token_refresh", 200), ("web_sign_out", 204)],
)
@pytest.mark.parametrize(
    ("make_cookies", "accepted"),
    [
        pytest.param(lambda name, access, refresh: {}, False, id="missing"),
        pytest.param(lambda name, access, refresh: {name: ""}, False, id="empty"),
        pytest.param(lambda name, access, refresh: {name: "garbage"}, False, id="garbage"),
        pytest.param(lambda name, access, refresh: {name: access}, False, id="access-token"),
        pytest.param(
            lambda name, access, refresh: {f"{name}_token": refresh}, False, id="other-name"
        ),
        pytest.param(
            lambda name, access, refresh: {name.upper(): refresh}, False, id="other-name-case"
        ),
        pytest.param(lambda name, access, refresh: {name: refresh}, True, id="valid"),
    ],
)
def test_refresh_cookie_variants(
    client: Client,
    access_token: str,
    refresh_token: str,
    url_name: str,
    success_status: int,
    make_cookies: Callable[[str, str, str], dict[str, str]],
    accepted: bool,
) -> None:
    name = refresh_cookie_name()
    for cookie_name, value in make_cookies(name, access_token, refresh_token).items():
        client.cookies[cookie_name] = value
    response = client.post(url(url_name))
    if accepted:
        assert response.status_code == success_status, response.content[:300]
    else:
        assert_rejected(response)
        # A refused request neither sets nor deletes the refresh cookie.
        assert name not in response.cookies


{% endif %}
def test_request_user_is_a_stateless_token_user(
    rf: RequestFactory, user: Any, access_token: str, django_assert_num_queries: Any
) -> None:
    other_login = "bob@example.com" if LOGIN_CLAIM == "email" else "bob"
    session_user = create_user(other_login)
    request = rf.get(url("me"), headers={"Authorization": f"Bearer {access_token}"})
    request.user = session_user

    with django_assert_num_queries(0):
        claims = HttpJwtAuth()(request)

    assert claims is not None
    assert claims["user_id"] == user.pk
    token_user = request.user
    assert isinstance(token_user, TokenUser)
    assert token_user.is_authenticated
    assert not token_user.is_anonymous
    assert token_user.pk == token_user.id == user.pk
    assert token_user.get_username() == LOGIN
    # The session's user object was replaced, not overwritten with the token's claims.
    assert session_user.get_username() == other_login
    assert session_user.pk != user.pk


def test_protected_request_makes_no_database_query(
    client: Client,
    user: Any,
    access_token: str,
    bearer: Callable[[str], dict[str, str]],
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(0):
        response = client.get(url("me"), headers=bearer(access_token))
    assert response.status_code == 200
    assert response.json()["user_id"] == user.pk


# --- 11. Issuer and audience, when the project sets them ---

ISSUER = "https://auth.example.com"
AUDIENCE = "https://api.example.com"


def iss_missing(forge: Forge) -> str:
    return forge.sign_changed(iss=None)


def iss_wrong(forge: Forge) -> str:
    return forge.sign_changed(iss="https://evil.example.com")


def iss_prefix(forge: Forge) -> str:
    # Contained in the real issuer: a substring comparison (PyJWT 2.10.0) would accept it.
    return forge.sign_changed(iss=ISSUER[:-4])


def iss_extended(forge: Forge) -> str:
    return forge.sign_changed(iss=f"{ISSUER}.evil.example")


def iss_list(forge: Forge) -> str:
    return forge.sign_changed(iss=[ISSUER])


def aud_missing(forge: Forge) -> str:
    return forge.sign_changed(aud=None)


def aud_wrong(forge: Forge) -> str:
    return forge.sign_changed(aud="https://other-api.example.com")


def aud_list_without_ours(forge: Forge) -> str:
    return forge.sign_changed(aud=["https://other-api.example.com", ISSUER])


def aud_number(forge: Forge) -> str:
    return forge.sign_changed(aud=1)


ISSUER_AUDIENCE_ATTACKS = [
    pytest.param(iss_missing, id="iss-missing"),
    pytest.param(iss_wrong, id="iss-wrong"),
    pytest.param(iss_prefix, id="iss-prefix-of-ours"),
    pytest.param(iss_extended, id="iss-ours-extended"),
    pytest.param(iss_list, id="iss-list"),
    pytest.param(aud_missing, id="aud-missing"),
    pytest.param(aud_wrong, id="aud-wrong"),
    pytest.param(aud_list_without_ours, id="aud-list-without-ours"),
    pytest.param(aud_number, id="aud-number"),
]


@pytest.fixture
def issuer_and_audience(settings: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {
        **settings.NINJA_SIMPLE_JWT,
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
    }


@pytest.mark.usefixtures("issuer_and_audience")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_issuer_and_audience_are_written_and_accepted(
    client: Client, forge_for: Callable[[str], Forge], endpoint: Endpoint
) -> None:
    forge = forge_for(endpoint.token_type)
    assert forge.claims["iss"] == ISSUER
    assert forge.claims["aud"] == AUDIENCE
    # An audience list that names us is accepted too (RFC 7519 section 4.1.3).
    for token in (forge.valid_token, forge.sign_changed(aud=[AUDIENCE, "https://other.example"])):
        response = endpoint.send(client, token)
        assert response.status_code == endpoint.success_status, response.content[:300]


@pytest.mark.usefixtures("issuer_and_audience")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("make_token", ISSUER_AUDIENCE_ATTACKS)
def test_wrong_issuer_or_audience_is_rejected(
    client: Client,
    forge_for: Callable[[str], Forge],
    endpoint: Endpoint,
    make_token: TokenMaker,
) -> None:
    assert_rejected(endpoint.send(client, make_token(forge_for(endpoint.token_type))))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_audience_is_refused_when_none_is_configured(
    client: Client, forge_for: Callable[[str], Forge], endpoint: Endpoint
) -> None:
    # A token meant for another service (it names an audience) is not accepted here.
    forge = forge_for(endpoint.token_type)
    assert_rejected(endpoint.send(client, forge.sign_changed(aud=AUDIENCE)))


# --- 17. Sign-in throttling ---


def test_repeated_failed_sign_ins_are_throttled(client: Client, user: Any) -> None:
    rate = get_jwt_settings().SIGN_IN_THROTTLE_RATE
    assert rate is not None, "sign-in throttling must be on by default"
    allowed = int(rate.split("/")[0])
    wrong = {**CREDENTIALS, "password": "guess"}
    for _ in range(allowed):
        response = client.post(url(SIGN_IN), wrong, content_type="application/json")
        assert response.status_code == 401
    # Even the right password now waits: guessing at speed is over.
    response = client.post(url(SIGN_IN), CREDENTIALS, content_type="application/json")
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many requests."}
    assert int(response["Retry-After"]) > 0


# --- 19. The JWK Set publishes public members only ---


def test_jwk_set_has_no_private_members(client: Client) -> None:
    response = client.get(reverse("jwks"))
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys
    for jwk in keys:
        assert not PRIVATE_JWK_MEMBERS & set(jwk), jwk
    assert get_jwt_settings().JWT_PRIVATE_KEY_PATH.encode() not in response.content
    assert b"PRIVATE" not in response.content
