"""The JWK Set at /.well-known/jwks.json: public keys only, cacheable, enough to verify our tokens.

Resource servers that know only this URL verify tokens with PyJWT's ``PyJWKClient``; the test
below does exactly that against a live server, for every algorithm.
"""

from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.urls import reverse
from ninja_simple_jwt.jwt.jwk import key_id
from ninja_simple_jwt.jwt.tokens import mint_access_token
from ninja_simple_jwt.settings import get_jwt_settings
from pytest_django.live_server_helper import LiveServer

JWKS_PATH = "/.well-known/jwks.json"
PUBLIC_MEMBERS = {
    "RS256": {"kty", "n", "e"},
    "ES256": {"kty", "crv", "x", "y"},
    "EdDSA": {"kty", "crv", "x"},
}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def current_public_key() -> Any:
    from django.conf import settings

    path = Path(settings.BASE_DIR) / get_jwt_settings().JWT_PUBLIC_KEY_PATH
    return serialization.load_pem_public_key(path.read_bytes())


def test_the_jwk_set_is_at_the_well_known_path() -> None:
    assert reverse("jwks") == JWKS_PATH


def test_the_jwk_set_lists_the_public_key_with_its_kid(algorithm: str, client: Client) -> None:
    response = client.get(JWKS_PATH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    body = response.json()
    assert set(body) == {"keys"}
    [jwk] = body["keys"]
    # Public members only, plus what a verifier needs to pick and use the key.
    assert set(jwk) == PUBLIC_MEMBERS[algorithm] | {"kid", "use", "alg"}
    assert not PRIVATE_MEMBERS & set(jwk)
    assert jwk["kid"] == key_id(current_public_key())
    assert jwk["use"] == "sig"
    assert jwk["alg"] == algorithm
    # PyJWT reads it back as the very key in the public key file.
    assert jwt.PyJWK(jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == current_public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_head_is_allowed(client: Client) -> None:
    response = client.head(JWKS_PATH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_a_json_405(method: str) -> None:
    # CSRF checks on, as in a browser: the answer is still the JSON 405, not an HTML 403.
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(JWKS_PATH)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Method not allowed."}
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_the_jwk_set_costs_no_query_and_no_storage_read_once_loaded(
    client: Client, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(JWKS_PATH).status_code == 200
    from ninja_simple_jwt.storage import public_key_storage

    def no_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the JWK Set was read from storage again")

    monkeypatch.setattr(public_key_storage, "open", no_read)
    with django_assert_num_queries(0):
        for _ in range(3):
            assert client.get(JWKS_PATH).status_code == 200


def test_missing_keys_give_a_json_503_that_is_not_cached(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    settings.BASE_DIR = tmp_path
    response = client.get(JWKS_PATH)
    assert response.status_code == 503
    assert "make_rsa" in response.json()["detail"]
    assert response["Cache-Control"] == "no-store"


def test_pyjwkclient_verifies_our_tokens_from_the_live_jwk_set(
    algorithm: str, live_server: LiveServer, user: Any
) -> None:
    token = mint_access_token(user)
    jwks_client = jwt.PyJWKClient(f"{live_server.url}{JWKS_PATH}", cache_keys=False)

    signing_key = jwks_client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=[algorithm])

    assert signing_key.key_id == key_id(current_public_key())
    assert claims["user_id"] == user.pk
    assert claims["token_type"] == "access"
