"""Claims policy: ``iss`` and ``aud`` when configured, and the leeway for clock skew.

Tokens here are minted by the app, or hand-signed with the project's own key from a minted
token's claims with exactly one claim changed (see tests/jwt_helpers.py).
"""

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from ninja_simple_jwt.jwt.keys import get_signing_key
from ninja_simple_jwt.jwt.tokens import mint_access_token, mint_refresh_token

from tests.conftest import url
from tests.jwt_helpers import b64url_decode, sign_claims

ISSUER = "https://auth.example.com"
AUDIENCE = "orders-api"


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return claims


def resign(token: str, **changes: Any) -> str:
    """``token``'s claims with ``changes`` (``None`` removes one), signed with our key."""
    claims = {**claims_of(token), **changes}
    return sign_claims(
        {name: value for name, value in claims.items() if value is not None}, get_signing_key()
    )


def get_me(client: Client, token: str) -> int:
    status: int = client.get(url("me"), headers={"Authorization": f"Bearer {token}"}).status_code
    return status


def refresh_status(client: Client, token: str) -> int:
{% if cookiecutter.mobile_auth %}
    response = client.post(
        url("mobile_token_refresh"), {"refresh": token}, content_type="application/json"
    )
{% else %}
    client.cookies["refresh"] = token
    response = client.post(url("web_token_refresh"))
{% endif %}
    status: int = response.status_code
    return status


def configure(settings: Any, **changes: Any) -> None:
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, **changes}


# --- iss and aud ---


def test_no_issuer_or_audience_by_default(user: Any) -> None:
    claims = claims_of(mint_access_token(user))
    assert "iss" not in claims
    assert "aud" not in claims


def test_issuer_and_audience_are_written_and_required(
    settings: Any, client: Client, user: Any
) -> None:
    unconfigured_access, unconfigured_refresh = mint_access_token(user), mint_refresh_token(user)
    configure(settings, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE)

    access, refresh = mint_access_token(user), mint_refresh_token(user)
    for token in (access, refresh):
        assert claims_of(token)["iss"] == ISSUER
        assert claims_of(token)["aud"] == AUDIENCE
    assert get_me(client, access) == 200
    assert refresh_status(client, refresh) == 200
    # Tokens minted before iss/aud were configured lack them: refused.
    assert get_me(client, unconfigured_access) == 401
    assert refresh_status(client, unconfigured_refresh) == 401


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        pytest.param({"JWT_ISSUER": "https://other-auth.example.com"}, 401, id="other-issuer"),
        pytest.param({"JWT_AUDIENCE": "billing-api"}, 401, id="other-audience"),
        pytest.param({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE}, 200, id="same-again"),
    ],
)
def test_tokens_are_only_for_their_issuer_and_audience(
    settings: Any, client: Client, user: Any, changes: dict[str, str], status: int
) -> None:
    configure(settings, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE)
    access = mint_access_token(user)
    configure(settings, **changes)
    assert get_me(client, access) == status


def test_only_an_issuer(settings: Any, client: Client, user: Any) -> None:
    configure(settings, JWT_ISSUER=ISSUER)
    access = mint_access_token(user)
    assert claims_of(access)["iss"] == ISSUER
    assert "aud" not in claims_of(access)
    assert get_me(client, access) == 200
    assert get_me(client, resign(access, iss=None)) == 401
    assert get_me(client, resign(access, iss=ISSUER.upper())) == 401


def test_only_an_audience(settings: Any, client: Client, user: Any) -> None:
    configure(settings, JWT_AUDIENCE=AUDIENCE)
    access = mint_access_token(user)
    assert claims_of(access)["aud"] == AUDIENCE
    assert "iss" not in claims_of(access)
    assert get_me(client, access) == 200
    assert get_me(client, resign(access, aud=None)) == 401
    assert get_me(client, resign(access, aud=f"{AUDIENCE}-v2")) == 401


# --- Leeway ---

# Margins far from the leeway's edge, so a slow test run cannot cross it.
Times = Callable[[int], dict[str, int]]


def expired_since(seconds: int) -> Times:
    def times(now: int) -> dict[str, int]:
        return {"iat": now - 900 - seconds, "exp": now - seconds}

    return times


def issued_in(seconds: int) -> Times:
    def times(now: int) -> dict[str, int]:
        return {"iat": now + seconds, "exp": now + seconds + 900}

    return times


def valid_from(seconds: int) -> Times:
    def times(now: int) -> dict[str, int]:
        return {"nbf": now + seconds}

    return times


@pytest.mark.parametrize(
    ("leeway", "times", "status"),
    [
        # The default leeway: 10 seconds.
        pytest.param(None, expired_since(3), 200, id="default-leeway-exp-just-past"),
        pytest.param(None, expired_since(25), 401, id="default-leeway-exp-beyond"),
        pytest.param(None, issued_in(3), 200, id="default-leeway-iat-just-ahead"),
        pytest.param(None, issued_in(25), 401, id="default-leeway-iat-beyond"),
        pytest.param(None, valid_from(3), 200, id="default-leeway-nbf-just-ahead"),
        pytest.param(None, valid_from(25), 401, id="default-leeway-nbf-beyond"),
        # A configured leeway of half a minute (it must stay below the access lifetime, which
        # may be as short as one minute).
        pytest.param(30, expired_since(20), 200, id="longer-leeway-exp-within"),
        pytest.param(30, expired_since(45), 401, id="longer-leeway-exp-beyond"),
        pytest.param(30, issued_in(20), 200, id="longer-leeway-iat-within"),
        pytest.param(30, issued_in(45), 401, id="longer-leeway-iat-beyond"),
        pytest.param(30, valid_from(20), 200, id="longer-leeway-nbf-within"),
        pytest.param(30, valid_from(45), 401, id="longer-leeway-nbf-beyond"),
        # No leeway at all.
        pytest.param(0, expired_since(3), 401, id="no-leeway-exp-past"),
        pytest.param(0, issued_in(3), 401, id="no-leeway-iat-ahead"),
    ],
)
def test_leeway_for_clock_skew(
    settings: Any,
    client: Client,
    user: Any,
    leeway: int | None,
    times: Times,
    status: int,
) -> None:
    if leeway is not None:
        configure(settings, JWT_LEEWAY=timedelta(seconds=leeway))
    access, refresh = mint_access_token(user), mint_refresh_token(user)
    now = int(time.time())
    assert get_me(client, resign(access, **times(now))) == status
    assert refresh_status(client, resign(refresh, **times(now))) == status
