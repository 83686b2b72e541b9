"""The JWK Set at /.well-known/jwks.json: public keys only, cacheable, enough to verify our tokens.

A resource server that knows only this URL verifies our tokens with PyJWT's ``PyJWKClient``;
the last test does exactly that against a live server, for every algorithm.
"""

from pathlib import Path
from typing import Any

import jwt
import pytest
from django.test import Client
from django.urls import reverse
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.keys.algorithms import public_key_pem
from ninja_simple_jwt.keys.storage import key_storage
from ninja_simple_jwt.tests.conftest import make_keys, mint
from ninja_simple_jwt.tests.keyfiles import file_kid, key_file, keys_in
from pytest_django import DjangoAssertNumQueries
from pytest_django.live_server_helper import LiveServer

JWKS_PATH = "/.well-known/jwks.json"
PUBLIC_MEMBERS = {
    "RS256": {"kty", "n", "e"},
    "ES256": {"kty", "crv", "x", "y"},
    "EdDSA": {"kty", "crv", "x"},
}
# What a verifier needs besides the key: which key, for what, with which algorithm.
KEY_USE_MEMBERS = {"kid", "use", "alg"}
# RFC 7518: the private members of RSA, EC and OKP keys, and the secret of symmetric ones.
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def test_the_jwk_set_is_at_the_well_known_path() -> None:
    assert reverse("jwks") == JWKS_PATH


def test_the_jwk_set_lists_the_public_key_with_its_kid(algorithm: str, client: Client) -> None:
    """What a verifier needs and nothing more, read back by PyJWT as our public key."""
    response = client.get(JWKS_PATH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    [jwk] = response.json()["keys"]
    assert set(response.json()) == {"keys"}
    assert set(jwk) == PUBLIC_MEMBERS[algorithm] | KEY_USE_MEMBERS
    assert jwk["kid"] == file_kid(key_file("public"))
    assert jwk["use"] == "sig"
    assert jwk["alg"] == algorithm
    # PyJWT reads it back as the very key of the public key file.
    assert public_key_pem(jwt.PyJWK(jwk).key) == key_file("public").read_bytes()


def test_jwk_set_has_no_private_members(keys: Path, client: Client) -> None:
    """SECURITY.md 19, for the current key and the previous keys a rotation keeps."""
    make_keys("--rotate")

    response = client.get(JWKS_PATH)

    assert response.status_code == 200
    jwks = response.json()["keys"]
    assert len(jwks) == 2
    algorithm = get_jwt_settings().JWT_ALGORITHM
    for jwk in jwks:
        assert set(jwk) == PUBLIC_MEMBERS[algorithm] | KEY_USE_MEMBERS, jwk
        assert not PRIVATE_MEMBERS & set(jwk), jwk
    assert get_jwt_settings().JWT_PRIVATE_KEY_PATH.encode() not in response.content
    assert b"PRIVATE" not in response.content


def test_head_is_allowed(client: Client) -> None:
    """Caches and monitors probe with HEAD."""
    response = client.head(JWKS_PATH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "options"])
def test_other_methods_are_a_json_405(method: str) -> None:
    """With CSRF checks on, as in a browser: a POST gets the JSON 405 too, not an HTML 403."""
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(JWKS_PATH)

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Method not allowed."}
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_the_jwk_set_costs_no_query_and_no_storage_read_once_loaded(
    client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The JWK Set is public and unauthenticated: each request must cost next to nothing."""
    assert client.get(JWKS_PATH).status_code == 200

    def no_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the JWK Set was read from storage again")

    storage = key_storage("public")
    monkeypatch.setattr(storage, "open", no_read)
    monkeypatch.setattr(storage, "exists", no_read)
    with django_assert_num_queries(0):
        for _ in range(3):
            assert client.get(JWKS_PATH).status_code == 200


def test_missing_keys_give_a_json_503_that_is_not_cached(
    settings: Any, tmp_path: Path, client: Client
) -> None:
    """A cache must not keep serving the error once the keys are made."""
    settings.STORAGES = keys_in(tmp_path)

    response = client.get(JWKS_PATH)

    assert response.status_code == 503
    assert response.json() == {"detail": KeysUnavailableError.detail}
    assert "make_jwt_key" in response.json()["detail"]
    assert response["Cache-Control"] == "no-store"


def test_pyjwkclient_verifies_our_tokens_from_the_live_jwk_set(
    algorithm: str, live_server: LiveServer, user: Any
) -> None:
    token = mint(user, "access")
    jwks_client = jwt.PyJWKClient(
        f"{live_server.url}{JWKS_PATH}", cache_keys=False, cache_jwk_set=False, timeout=10
    )

    signing_key = jwks_client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=[algorithm])

    assert signing_key.key_id == file_kid(key_file("public"))
    assert claims["user_id"] == user.pk
    assert claims["token_type"] == "access"
