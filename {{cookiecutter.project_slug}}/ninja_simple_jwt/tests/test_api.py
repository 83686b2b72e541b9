"""The auth endpoints over HTTP: sign-in, token refresh and sign-out, mobile and web.

What a token may be is ``verify_token``'s job (``test_tokens.py``); here a few bad tokens of
different kinds prove that each transport (the Bearer header, the JSON body, the refresh
cookie) hands its token to it and answers a JSON 401. The threats are numbered as in the
project's ``SECURITY.md``.
"""

import json
import logging
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.test import Client, override_settings
from django.urls import reverse
from ninja.conf import settings as ninja_settings
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import MAKE_KEYS
from ninja_simple_jwt.jwt.json_encode import TokenUserEncoder
from ninja_simple_jwt.keys.algorithms import PrivateKey, generate_private_key
from ninja_simple_jwt.keys.cache import key_cache
from ninja_simple_jwt.tests.conftest import (
    INVALID_TOKEN,
    LOGIN,
    NOW,
    PASSWORD,
    UNAUTHORIZED,
    WEB_AUTH_PATH,
    bearer,
    create_user,
    mint,
    post,
    url,
)
from ninja_simple_jwt.tests.forgery import claims_of, sign_claims
from ninja_simple_jwt.tests.keyfiles import keys_in
from ninja_simple_jwt.tokens import TokenTypes, verify_token

INVALID_CREDENTIALS = {"detail": "Invalid credentials."}
# django-ninja's answer when HttpJwtAuth finds no valid token (it lets other auth classes try).
TOO_MANY = {"detail": "Too many requests."}
# The sign-in rate of the throttling tests: small, so that they stay fast.
RATE_LIMIT = 3


def sign_in(
    client: Client,
    name: str = "mobile_signin",
    *,
    username: str = LOGIN,
    password: str = PASSWORD,
    **extra: Any,
) -> Any:
    """Sign in on the router of ``name``; ``extra`` goes to the request's META."""
    return post(client, name, {"username": username, "password": password}, **extra)


def cookie_name() -> str:
    return get_jwt_settings().JWT_REFRESH_COOKIE_NAME


def whoami(client: Client, access: str) -> dict[str, Any]:
    response = client.get(url("whoami"), headers=bearer(access))
    assert response.status_code == 200, response.content[:300]
    body: dict[str, Any] = response.json()
    return body


def sign_in_and_refresh(client: Client) -> tuple[str, str]:
    """The access tokens of a sign-in and of the token refresh that follows it."""
    signed_in = sign_in(client)
    assert signed_in.status_code == 200, signed_in.content[:300]
    refreshed = post(client, "mobile_token_refresh", {"refresh": signed_in.json()["refresh"]})
    assert refreshed.status_code == 200, refreshed.content[:300]
    return signed_in.json()["access"], refreshed.json()["access"]


def assert_refused(response: Any, body: dict[str, str] = INVALID_TOKEN) -> None:
    """A JSON 401 with this body, which neither sets nor deletes the refresh cookie."""
    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == body
    assert cookie_name() not in response.cookies


# --- Sign-in ---


def test_sign_in_returns_both_tokens_of_the_user(client: Client, user: Any) -> None:
    response = sign_in(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"refresh", "access"}
    # Verified: signed by our key, of their type, unexpired.
    access, refresh = (
        verify_token(body["access"], "access"),
        verify_token(body["refresh"], "refresh"),
    )
    assert access["user_id"] == refresh["user_id"] == user.pk
    assert access["jti"] != refresh["jti"]
    assert whoami(client, body["access"])["username"] == LOGIN


def test_sign_in_updates_last_login_and_sends_user_logged_in(client: Client, user: Any) -> None:
    received: list[Any] = []

    def receiver(sender: Any, user: Any, **kwargs: Any) -> None:
        received.append(user)

    user_logged_in.connect(receiver)
    try:
        response = sign_in(client)
    finally:
        user_logged_in.disconnect(receiver)
    assert response.status_code == 200
    assert [signed_in.pk for signed_in in received] == [user.pk]
    user.refresh_from_db()
    assert user.last_login is not None
    assert claims_of(response.json()["access"])["last_login"] is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"password": "wrong password"},
        {"username": "nobody@example.com"},
        {"username": "inactive@example.com"},
    ],
    ids=["wrong-password", "unknown-user", "inactive-user"],
)
def test_failed_sign_in_is_one_and_the_same_401(
    client: Client, user: Any, changes: dict[str, str]
) -> None:
    """SECURITY.md 15: the answer does not tell which accounts exist. On the web router, where
    the refresh cookie is set, no cookie either."""
    create_user("inactive@example.com", is_active=False)
    assert_refused(sign_in(client, "web_signin", **changes), INVALID_CREDENTIALS)
    user.refresh_from_db()
    assert user.last_login is None


def test_the_sign_in_name_is_the_value_of_the_username_field_setting(
    client: Client, change_settings: Any, db: None
) -> None:
    """The body's ``username`` holds the value of the field ``USERNAME_FIELD`` names, which
    need not be the user model's own ``USERNAME_FIELD``."""
    change_settings(USERNAME_FIELD="email")
    model_field = get_user_model().USERNAME_FIELD
    other_name = {} if model_field == "email" else {model_field: "ada-handle"}
    create_user(LOGIN, **other_name)  # email=LOGIN
    assert sign_in(client, username=LOGIN).status_code == 200
    for name in other_name.values():
        assert_refused(sign_in(client, username=name), INVALID_CREDENTIALS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({}, 422, id="empty"),
        pytest.param({"username": LOGIN}, 422, id="no-password"),
        pytest.param({"username": 1, "password": []}, 422, id="wrong-types"),
        pytest.param({"username": LOGIN, "password": "x" * 4097}, 422, id="huge-password"),
        pytest.param("not json", 400, id="not-json"),
        pytest.param("[1, 2]", 422, id="array"),
    ],
)
def test_malformed_sign_in_body_is_a_json_4xx(client: Client, body: Any, status: int) -> None:
    """SECURITY.md 16."""
    response = post(client, "mobile_signin", body)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


# --- Token refresh ---


def test_refresh_gives_an_access_token_with_the_users_current_claims(
    client: Client, user: Any, refresh_token: str, change_settings: Any
) -> None:
    """Without rotation, only a new access token (the library's shape), minted from the user
    as they are now; it opens the API."""
    change_settings(JWT_ROTATE_REFRESH_TOKENS=False)
    setattr(user, get_jwt_settings().USERNAME_FIELD, "grace@example.com")
    user.save()
    response = post(client, "mobile_token_refresh", {"refresh": refresh_token})
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    access = response.json()["access"]
    assert verify_token(access, "access")["user_id"] == user.pk
    assert whoami(client, access)["username"] == "grace@example.com"


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_refresh_for_a_gone_user_is_401(
    client: Client, user: Any, refresh_token: str, change: str
) -> None:
    """SECURITY.md 15: the refresh token outlives the account, not its use."""
    if change == "delete":
        user.delete()
    else:
        user.is_active = False
        user.save()
    assert_refused(post(client, "mobile_token_refresh", {"refresh": refresh_token}))


# --- The web router's refresh cookie ---


def test_web_sign_in_puts_the_refresh_token_only_in_the_cookie(client: Client, user: Any) -> None:
    """HttpOnly (no script reads it), SameSite=Strict, sent to the web router's path only, and
    expiring with the token it holds."""
    response = sign_in(client, "web_signin")
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    assert verify_token(response.json()["access"], "access")["user_id"] == user.pk

    cookie = response.cookies[cookie_name()]
    refresh = verify_token(cookie.value, "refresh")
    assert refresh["user_id"] == user.pk
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == WEB_AUTH_PATH
    lifetime = get_jwt_settings().JWT_REFRESH_TOKEN_LIFETIME.total_seconds()
    assert int(cookie["max-age"]) == lifetime
    expires = parsedate_to_datetime(cookie["expires"]).timestamp()
    assert expires == refresh["exp"] == int(NOW.timestamp() + lifetime)


@pytest.mark.parametrize("debug", [False, True])
def test_the_cookie_is_secure_unless_debugging(
    client: Client, user: Any, settings: Any, change_settings: Any, debug: bool
) -> None:
    change_settings(WEB_REFRESH_COOKIE_SECURE=None)  # the default: follow DEBUG
    settings.DEBUG = debug
    cookie = sign_in(client, "web_signin").cookies[cookie_name()]
    assert bool(cookie["secure"]) is not debug


def test_web_refresh_reads_the_cookie_that_sign_in_set(client: Client, user: Any) -> None:
    sign_in(client, "web_signin")  # the test client keeps the cookie, as a browser would
    response = client.post(url("web_token_refresh"))
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    assert verify_token(response.json()["access"], "access")["user_id"] == user.pk


def test_sign_out_deletes_the_cookie_on_its_path(client: Client, user: Any) -> None:
    sign_in(client, "web_signin")
    response = client.post(url("web_sign_out"))
    assert response.status_code == 204
    assert response.content == b""
    deleted = response.cookies[cookie_name()]
    assert deleted.value == ""
    assert deleted["path"] == WEB_AUTH_PATH  # another path would leave the real one alive
    assert int(deleted["max-age"]) == 0
    assert parsedate_to_datetime(deleted["expires"]).timestamp() < NOW.timestamp()
    # The client dropped the cookie: refreshing no longer works.
    assert_refused(client.post(url("web_token_refresh")))


@pytest.mark.parametrize(
    "cookies",
    [
        pytest.param(lambda name, refresh: {}, id="missing"),
        pytest.param(lambda name, refresh: {name: ""}, id="empty"),
        pytest.param(lambda name, refresh: {f"{name}_token": refresh}, id="other-name"),
        pytest.param(lambda name, refresh: {name.upper(): refresh}, id="other-name-case"),
    ],
)
def test_refresh_cookie_variants(
    client: Client, refresh_token: str, cookies: Callable[[str, str], dict[str, str]]
) -> None:
    """SECURITY.md 14: only the cookie of the configured name counts. Sign-out reads it the
    same way; what the cookie holds is tested below, on both endpoints."""
    for cookie, value in cookies(cookie_name(), refresh_token).items():
        client.cookies[cookie] = value
    assert_refused(client.post(url("web_token_refresh")))


# --- Browsers: login CSRF and cookie tossing (SECURITY.md 24, 25) ---

# What a cross-site HTML form can send: none of them is application/json.
FORM_CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


@pytest.mark.parametrize("content_type", FORM_CONTENT_TYPES)
@pytest.mark.parametrize(
    "name", ["mobile_signin", "web_signin", "mobile_token_refresh", "mobile_sign_out"]
)
def test_a_json_endpoint_refuses_any_other_content_type(
    client: Client, user: Any, refresh_token: str, name: str, content_type: str
) -> None:
    """A <form enctype="text/plain"> can carry a valid JSON body: the type alone decides."""
    body = json.dumps({"username": LOGIN, "password": PASSWORD, "refresh": refresh_token})
    response = client.post(url(name), body, content_type=content_type)
    assert response.status_code == 415
    assert response.json() == {"detail": "Send a JSON body (application/json)."}
    assert cookie_name() not in response.cookies


def test_the_json_type_may_carry_a_charset(client: Client, user: Any) -> None:
    body = json.dumps({"username": LOGIN, "password": PASSWORD})
    response = client.post(url("web_signin"), body, content_type="Application/JSON; charset=utf-8")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["web_signin", "web_token_refresh", "web_sign_out"])
def test_the_web_router_refuses_a_foreign_origin(client: Client, user: Any, name: str) -> None:
    sign_in(client, "web_signin")
    response = post(
        client,
        name,
        {"username": LOGIN, "password": PASSWORD},
        headers={"Origin": "https://attacker.example"},
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Cross-origin request refused."}
    assert cookie_name() not in response.cookies


@pytest.mark.parametrize("origin", ["http://testserver", "https://app.example"])
def test_the_web_router_accepts_its_own_origin_and_the_cors_list(
    client: Client, user: Any, settings: Any, origin: str
) -> None:
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    assert sign_in(client, "web_signin", headers={"Origin": origin}).status_code == 200
    assert client.post(url("web_token_refresh"), headers={"Origin": origin}).status_code == 200


def test_two_refresh_cookies_are_refused(client: Client, user: Any) -> None:
    """A sibling subdomain can plant a second cookie of our name at Path=/; the browser sends
    both, and Django would keep the last. Neither may win."""
    ours = sign_in(client, "web_signin").cookies[cookie_name()].value
    planted = mint(create_user("mallory@example.com"), "refresh")
    both = f"{cookie_name()}={ours}; {cookie_name()}={planted}"
    for name in ("web_token_refresh", "web_sign_out"):
        client.cookies.clear()
        assert_refused(client.post(url(name), HTTP_COOKIE=both))
    assert (
        client.post(url("web_token_refresh"), HTTP_COOKIE=f"{cookie_name()}={ours}").status_code
        == 200
    )


# --- Each transport refuses a bad token ---


@dataclass(frozen=True)
class Transport:
    """How an endpoint receives its token, and how it answers a good and a bad one."""

    token_type: TokenTypes
    send: Callable[[Client, str], Any]
    success_status: int
    refusal: dict[str, str]


def as_bearer(client: Client, token: str) -> Any:
    return client.get(url("whoami"), headers=bearer(token))


def in_body(client: Client, token: str) -> Any:
    return post(client, "mobile_token_refresh", {"refresh": token})


def in_cookie(name: str) -> Callable[[Client, str], Any]:
    def send(client: Client, token: str) -> Any:
        client.cookies[cookie_name()] = token
        return client.post(url(name))

    return send


TRANSPORTS = [
    pytest.param(Transport(TokenTypes.ACCESS, as_bearer, 200, UNAUTHORIZED), id="bearer"),
    pytest.param(Transport(TokenTypes.REFRESH, in_body, 200, INVALID_TOKEN), id="body"),
    pytest.param(
        Transport(TokenTypes.REFRESH, in_cookie("web_token_refresh"), 200, INVALID_TOKEN),
        id="cookie-refresh",
    ),
    pytest.param(
        Transport(TokenTypes.REFRESH, in_cookie("web_sign_out"), 204, INVALID_TOKEN),
        id="cookie-sign-out",
    ),
]
OTHER_TYPE = {TokenTypes.ACCESS: TokenTypes.REFRESH, TokenTypes.REFRESH: TokenTypes.ACCESS}


@dataclass(frozen=True)
class Tokens:
    """A valid token of the type an endpoint expects, and what bad ones are made from."""

    valid: str
    other_type: str
    foreign_key: PrivateKey


def expired(tokens: Tokens) -> str:
    now = int(NOW.timestamp())
    claims = {**claims_of(tokens.valid), "iat": now - 7200, "exp": now - 3600}
    return sign_claims(claims, key_cache.signing_key().private_key)


BAD_TOKENS = [
    pytest.param(lambda tokens: "garbage", id="garbage"),
    pytest.param(expired, id="expired"),
    pytest.param(lambda tokens: tokens.other_type, id="other-type"),
    pytest.param(
        lambda tokens: sign_claims(claims_of(tokens.valid), tokens.foreign_key), id="foreign-key"
    ),
]


@pytest.fixture(scope="module")
def foreign_key() -> PrivateKey:
    """An attacker's key pair of the project algorithm's kind, made once for the module."""
    return generate_private_key(get_jwt_settings().JWT_ALGORITHM)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("make_token", BAD_TOKENS)
def test_each_transport_refuses_a_bad_token(
    client: Client,
    user: Any,
    foreign_key: PrivateKey,
    transport: Transport,
    make_token: Callable[[Tokens], str],
) -> None:
    """SECURITY.md 3, 6, 8 and 12, and 14 in the cookie: a JSON 401, never a 200 or a 500.
    The valid token the bad one is made from is accepted by the same transport."""
    valid = mint(user, transport.token_type)
    tokens = Tokens(valid, mint(user, OTHER_TYPE[transport.token_type]), foreign_key)
    assert_refused(transport.send(client, make_token(tokens)), transport.refusal)
    assert transport.send(Client(), valid).status_code == transport.success_status


# --- Keys ---


def test_missing_keys_give_a_json_503_naming_make_jwt_key(
    settings: Any, tmp_path: Path, client: Client, user: Any
) -> None:
    """A server fault, not the client's: a 503 that says how to fix it, and no half-done
    sign-in (no refresh cookie without a token to put in it)."""
    settings.STORAGES = keys_in(tmp_path)  # no keys there
    response = sign_in(client, "web_signin")
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert MAKE_KEYS in response.json()["detail"]
    assert cookie_name() not in response.cookies


# --- Sign-in throttling (SECURITY.md 17) ---


@pytest.fixture
def rate_limit(change_settings: Any) -> int:
    """Sign-in limited to ``RATE_LIMIT`` attempts a minute per client."""
    change_settings(SIGN_IN_THROTTLE_RATE=f"{RATE_LIMIT}/min")
    return RATE_LIMIT


def test_a_sign_in_over_the_rate_is_a_json_429(client: Client, user: Any, rate_limit: int) -> None:
    for attempt in range(rate_limit):
        assert sign_in(client).status_code == 200, attempt
    response = sign_in(client)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == TOO_MANY
    assert response["Retry-After"] == "60"  # the clock stands still: the whole minute


def test_failed_attempts_count_and_then_even_the_right_password_waits(
    client: Client, user: Any, rate_limit: int
) -> None:
    """Guessing at speed is over: the password is not even checked."""
    for _ in range(rate_limit):
        assert_refused(sign_in(client, password="guess"), INVALID_CREDENTIALS)
    response = sign_in(client)
    assert response.status_code == 429
    assert response.json() == TOO_MANY
    user.refresh_from_db()
    assert user.last_login is None


def test_the_limit_resets_after_the_period(
    client: Client, user: Any, rate_limit: int, clock: time_machine.Traveller
) -> None:
    for _ in range(rate_limit):
        sign_in(client)
    assert sign_in(client).status_code == 429
    clock.shift(61)
    assert sign_in(client).status_code == 200


def test_each_client_has_its_own_budget(client: Client, user: Any, rate_limit: int) -> None:
    for _ in range(rate_limit):
        sign_in(client, REMOTE_ADDR="203.0.113.1")
    assert sign_in(client, REMOTE_ADDR="203.0.113.1").status_code == 429
    assert sign_in(client, REMOTE_ADDR="203.0.113.2").status_code == 200


def test_forwarded_for_headers_do_not_escape_the_limit_without_proxies(
    client: Client, user: Any, rate_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NINJA_NUM_PROXIES = 0: the app is reached directly, X-Forwarded-For is the client's word.
    monkeypatch.setattr(ninja_settings, "NUM_PROXIES", 0)
    for number in range(rate_limit):
        sign_in(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert sign_in(client, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_both_sign_in_endpoints_share_one_budget(
    client: Client, user: Any, rate_limit: int
) -> None:
    for attempt in range(rate_limit):
        name = "mobile_signin" if attempt % 2 else "web_signin"
        assert sign_in(client, name).status_code == 200
    assert sign_in(client, "mobile_signin").status_code == 429
    assert sign_in(client, "web_signin").status_code == 429


def test_none_turns_throttling_off(client: Client, user: Any, change_settings: Any) -> None:
    change_settings(SIGN_IN_THROTTLE_RATE=None)
    for attempt in range(15):
        assert sign_in(client).status_code == 200, attempt


def test_token_refresh_is_not_throttled(
    client: Client, refresh_token: str, rate_limit: int
) -> None:
    for attempt in range(rate_limit + 2):
        response = post(client, "mobile_token_refresh", {"refresh": refresh_token})
        assert response.status_code == 200, attempt


def test_the_openapi_schema_documents_the_429(client: Client) -> None:
    paths = client.get(reverse("jwt-tests:openapi-json")).json()["paths"]
    for name in ("mobile_signin", "web_signin"):
        assert set(paths[url(name)]["post"]["responses"]) >= {"200", "401", "429"}
    assert "429" not in paths[url("mobile_token_refresh")]["post"]["responses"]


# --- Failed attempts per account, from any client (SECURITY.md 26) ---

ACCOUNT_LIMIT = 3
TOO_MANY_FOR_THE_ACCOUNT = {"detail": "Too many failed attempts for this account."}


@pytest.fixture
def account_limit(change_settings: Any) -> int:
    """``ACCOUNT_LIMIT`` failures per account per 15 minutes; no per-client limit."""
    change_settings(
        SIGN_IN_THROTTLE_RATE=None, SIGN_IN_ACCOUNT_THROTTLE_RATE=f"{ACCOUNT_LIMIT}/15m"
    )
    return ACCOUNT_LIMIT


def test_password_spraying_from_many_clients_is_throttled_per_account(
    client: Client, user: Any, account_limit: int
) -> None:
    """Each client guesses once: the account's limit holds, and then the right password waits
    too, from a new client; other accounts are not affected."""
    for number in range(account_limit):
        address = f"203.0.113.{number}"
        assert_refused(sign_in(client, password="guess", REMOTE_ADDR=address), INVALID_CREDENTIALS)
    response = sign_in(client, REMOTE_ADDR="203.0.113.200")
    assert response.status_code == 429
    assert response.json() == TOO_MANY_FOR_THE_ACCOUNT
    assert response["Retry-After"] == str(15 * 60)
    create_user("grace@example.com")
    assert sign_in(client, username="grace@example.com").status_code == 200


def test_successful_sign_ins_do_not_count_against_the_account(
    client: Client, user: Any, account_limit: int
) -> None:
    for attempt in range(account_limit * 2):
        assert sign_in(client).status_code == 200, attempt


def test_the_account_limit_is_a_window_not_a_lockout(
    client: Client, user: Any, account_limit: int, clock: time_machine.Traveller
) -> None:
    for _ in range(account_limit):
        sign_in(client, password="guess")
    assert sign_in(client).status_code == 429
    clock.shift(15 * 60 + 1)
    assert sign_in(client).status_code == 200


def test_a_failing_cache_lets_sign_in_through_and_says_so(
    client: Client, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Fail open: with the shared cache gone (here: Redis on a port where nothing listens),
    refusing every sign-in would lock every user out."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
    }
    with (
        override_settings(CACHES={"default": redis}),
        caplog.at_level(logging.ERROR, logger="ninja_simple_jwt"),
    ):
        assert sign_in(client).status_code == 200
    assert "throttle not counted" in caplog.text


# --- Settings that reach the tokens the API gives ---


def test_lifetime_override_reaches_the_api(client: Client, user: Any, change_settings: Any) -> None:
    change_settings(JWT_ACCESS_TOKEN_LIFETIME=timedelta(minutes=7))
    for access in sign_in_and_refresh(client):
        claims = claims_of(access)
        assert claims["exp"] - claims["iat"] == 7 * 60


def email_domain(user: Any) -> str:
    return str(user.get_username()).partition("@")[2]


def account_id(user: Any) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:user:{user.pk}")


def test_claim_map_with_callables_end_to_end(
    client: Client, user: Any, change_settings: Any
) -> None:
    """Callables compute claims at sign-in and at refresh alike; the map replaces the default."""
    login_field = get_jwt_settings().USERNAME_FIELD
    change_settings(
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={
            "user_id": "id",
            login_field: login_field,
            "email_domain": email_domain,
            "account": account_id,
        }
    )
    for access in sign_in_and_refresh(client):
        me = whoami(client, access)
        claims = me["claims"]
        assert claims["user_id"] == me["user_pk"] == user.pk
        assert claims[login_field] == me["username"] == LOGIN
        assert claims["email_domain"] == "example.com"
        # A UUID from a callable is written as a string by the claim encoder.
        assert claims["account"] == str(account_id(user))
        assert "last_login" not in claims


class Money:
    """A value the default claim encoder cannot write."""

    def __init__(self, cents: int, currency: str) -> None:
        self.cents, self.currency = cents, currency


class CustomTokenUserEncoder(TokenUserEncoder):
    """As in the library's README: teach the claim encoder one more type."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Money):
            return f"{o.cents / 100:.2f} {o.currency}"
        return super().default(o)


def credit(user: Any) -> Money:
    return Money(1250, "EUR")


def test_custom_claim_encoder_from_the_library_readme(
    client: Client, user: Any, change_settings: Any
) -> None:
    change_settings(
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={"user_id": "id", "credit": credit},
        TOKEN_USER_ENCODER_CLS=f"{__name__}.{CustomTokenUserEncoder.__qualname__}",
    )
    # The sign-in token and the refreshed one are both written with the custom encoder.
    for access in sign_in_and_refresh(client):
        assert whoami(client, access)["claims"]["credit"] == "12.50 EUR"
