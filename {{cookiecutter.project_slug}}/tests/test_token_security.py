"""Forged, tampered and malformed tokens are turned away with a JSON 401, never a 200 or a 500.

One table of attacks (RFC 8725, the OWASP JWT cheat sheet) is applied to every endpoint that
reads a token: the protected ``/me`` (access token as Bearer) and the token-refresh and sign-out
endpoints (refresh token in a JSON body or in the refresh cookie). Each forged token is built by
hand from the claims of a valid token of the type the endpoint expects, so it differs from an
accepted token by the one thing under attack; ``test_hand_signed_tokens_are_accepted`` proves
that the hand-built tokens are otherwise valid.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.token_user import TokenUser
from ninja_simple_jwt.jwt.keys import get_signing_key
from ninja_simple_jwt.jwt.tokens import (
    ACCESS_TOKEN_TYPE,
    REFRESH_TOKEN_TYPE,
    mint_access_token,
    mint_refresh_token,
)
from ninja_simple_jwt.settings import get_jwt_settings

from tests.conftest import PASSWORD, url

# The test client's response (an HttpResponse with .json()).
Response = Any
Sender = Callable[[Client, str], Response]

RS256_HEADER = {"alg": "RS256", "typ": "JWT"}
HOUR = 3600


def b64url(data: bytes) -> str:
    """Unpadded base64url, as in a compact JWT."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def json_segment(value: Any) -> str:
    return b64url(json.dumps(value).encode())


def rs256_sign(raw_header: bytes, raw_payload: bytes, key: rsa.RSAPrivateKey) -> str:
    """A compact RS256 JWS of exactly these header and payload bytes, built without PyJWT."""
    signing_input = f"{b64url(raw_header)}.{b64url(raw_payload)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


@dataclass(frozen=True)
class Forge:
    """A valid token of the type an endpoint expects, and what an attacker could sign with."""

    valid_token: str
    other_type_token: str
    claims: dict[str, Any]
    signing_key: rsa.RSAPrivateKey
    public_key_pem: bytes
    foreign_key: rsa.RSAPrivateKey

    def segments(self) -> tuple[str, str, str]:
        header, payload, signature = self.valid_token.split(".")
        return header, payload, signature

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        """``claims`` signed RS256 with the project's key (or ``key``)."""
        payload = json.dumps(claims).encode()
        return rs256_sign(json.dumps(RS256_HEADER).encode(), payload, key or self.signing_key)

    def sign_changed(self, **changes: Any) -> str:
        """The valid claims with ``changes`` (``None`` removes a claim), properly signed."""
        claims = {**self.claims, **changes}
        return self.sign({name: value for name, value in claims.items() if value is not None})


TokenMaker = Callable[[Forge], str]


# --- The attacks: each builds one bad token from a Forge. ---


def alg_none(forge: Forge) -> str:
    return f"{json_segment({'alg': 'none', 'typ': 'JWT'})}.{json_segment(forge.claims)}."


def alg_none_upper_case(forge: Forge) -> str:
    return f"{json_segment({'alg': 'NONE', 'typ': 'JWT'})}.{json_segment(forge.claims)}."


def alg_none_keeping_signature(forge: Forge) -> str:
    _, payload, signature = forge.segments()
    return f"{json_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}"


def hs256_with_public_key_as_secret(forge: Forge) -> str:
    signing_input = f"{json_segment({'alg': 'HS256', 'typ': 'JWT'})}.{json_segment(forge.claims)}"
    mac = hmac.new(forge.public_key_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def rs512_with_project_key(forge: Forge) -> str:
    # The right key but an algorithm the server did not pin: the header must not choose it.
    return jwt.encode(forge.claims, forge.signing_key, algorithm="RS512")


def signed_by_another_key_pair(forge: Forge) -> str:
    return forge.sign(forge.claims, key=forge.foreign_key)


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
    # spelled another way. RS256 signatures of the 2048-bit keys have such a last character.
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


def empty(forge: Forge) -> str:
    return ""


def one_segment(forge: Forge) -> str:
    return forge.valid_token.replace(".", "")


def four_segments(forge: Forge) -> str:
    return f"{forge.valid_token}.{forge.segments()[2]}"


def not_base64(forge: Forge) -> str:
    return "***.@@@.!!!"


def header_not_json(forge: Forge) -> str:
    return rs256_sign(b"RS256 please", json.dumps(forge.claims).encode(), forge.signing_key)


def payload_not_json(forge: Forge) -> str:
    return rs256_sign(json.dumps(RS256_HEADER).encode(), b"user_id=1", forge.signing_key)


def header_json_array(forge: Forge) -> str:
    return rs256_sign(b'["RS256", "JWT"]', json.dumps(forge.claims).encode(), forge.signing_key)


def payload_json_array(forge: Forge) -> str:
    return rs256_sign(json.dumps(RS256_HEADER).encode(), b"[1, 2, 3]", forge.signing_key)


def oversized(size: int) -> TokenMaker:
    """A correctly signed token carrying ``size`` bytes of padding claim."""

    def make(forge: Forge) -> str:
        return forge.sign_changed(padding="x" * size)

    return make


FORGED_TOKENS = [
    pytest.param(alg_none, id="alg-none"),
    pytest.param(alg_none_upper_case, id="alg-NONE"),
    pytest.param(alg_none_keeping_signature, id="alg-none-keeping-signature"),
    pytest.param(hs256_with_public_key_as_secret, id="hs256-public-key-as-secret"),
    pytest.param(rs512_with_project_key, id="rs512-not-the-pinned-algorithm"),
    pytest.param(signed_by_another_key_pair, id="signed-by-another-key-pair"),
    pytest.param(payload_byte_changed, id="payload-byte-changed"),
    pytest.param(user_id_changed, id="user-id-changed"),
    pytest.param(signature_removed, id="signature-removed"),
    pytest.param(signature_segment_dropped, id="signature-segment-dropped"),
    pytest.param(signature_truncated, id="signature-truncated"),
    pytest.param(signature_byte_changed, id="signature-byte-changed"),
    pytest.param(signature_padding_added, id="signature-base64-padding-added"),
    pytest.param(signature_non_canonical_base64, id="signature-non-canonical-base64"),
    pytest.param(expired, id="expired"),
    pytest.param(exp_missing, id="exp-missing"),
    pytest.param(exp_not_a_number, id="exp-not-a-number"),
    pytest.param(exp_numeric_string, id="exp-numeric-string"),
    pytest.param(iat_in_future, id="iat-in-future"),
    pytest.param(nbf_in_future, id="nbf-in-future"),
    pytest.param(iat_missing, id="iat-missing"),
    pytest.param(other_token_type, id="other-token-type"),
    pytest.param(token_type_missing, id="token-type-missing"),
    pytest.param(token_type_unknown, id="token-type-unknown"),
    pytest.param(jti_missing, id="jti-missing"),
    pytest.param(jti_empty, id="jti-empty"),
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
def foreign_key() -> rsa.RSAPrivateKey:
    """Another RSA key pair of the right kind, made once for the module."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def forge_for(
    user: Any, signing_keys: Path, foreign_key: rsa.RSAPrivateKey
) -> Callable[[str], Forge]:
    public_key_pem = (signing_keys / get_jwt_settings().JWT_PUBLIC_KEY_PATH).read_bytes()

    def make(token_type: str) -> Forge:
        access, refresh = mint_access_token(user), mint_refresh_token(user)
        valid, other = (access, refresh) if token_type == ACCESS_TOKEN_TYPE else (refresh, access)
        signing_key = get_signing_key()
        claims = jwt.decode(valid, signing_key.public_key(), algorithms=["RS256"])
        assert claims["token_type"] == token_type
        return Forge(valid, other, claims, signing_key, public_key_pem, foreign_key)

    return make


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hand_signed_tokens_are_accepted(
    client: Client, forge_for: Callable[[str], Forge], endpoint: Endpoint
) -> None:
    """The control: minted and hand-signed tokens pass, so each attack below is what fails."""
    forge = forge_for(endpoint.token_type)
    for token in (forge.valid_token, forge.sign(forge.claims), forge.sign_changed(padding="x")):
        response = endpoint.send(client, token)
        assert response.status_code == endpoint.success_status, response.content[:300]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("make_token", FORGED_TOKENS)
def test_forged_token_is_rejected(
    client: Client,
    forge_for: Callable[[str], Forge],
    endpoint: Endpoint,
    make_token: TokenMaker,
) -> None:
    forge = forge_for(endpoint.token_type)
    response = endpoint.send(client, make_token(forge))
    assert_rejected(response)


def basic_credentials() -> str:
    return base64.b64encode(f"ada:{PASSWORD}".encode()).decode()


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
    session_user = get_user_model().objects.create_user(username="bob", password=PASSWORD)
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
    assert token_user.get_username() == "ada"
    # The session's user object was replaced, not overwritten with the token's claims.
    assert session_user.username == "bob"
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
