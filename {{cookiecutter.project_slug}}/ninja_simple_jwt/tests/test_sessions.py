"""Sessions over HTTP: rotation and reuse detection, sign-out, revocation, the account routes.

Each sign-in is a session; its refresh tokens rotate (``JWT_ROTATE_REFRESH_TOKENS``) and the
access tokens stay stateless. SECURITY.md 20-23 are the threats these tests turn away.
"""

import io
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from ninja_simple_jwt.audit import AUDIT_LOGGER
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.models import Session
from ninja_simple_jwt.tests.conftest import (
    INVALID_TOKEN,
    LOGIN,
    PASSWORD,
    bearer,
    create_user,
    post,
    url,
)
from ninja_simple_jwt.tests.forgery import claims_of

NEW_PASSWORD = "a much longer passphrase, 2026"


@pytest.fixture(autouse=True)
def rotation(change_settings: Any) -> None:
    """As in a generated project: rotation on (the app's own default is the library's, off)."""
    change_settings(JWT_ROTATE_REFRESH_TOKENS=True)


def sign_in(client: Client, password: str = PASSWORD, **extra: Any) -> dict[str, str]:
    """Sign in on the mobile router (a new session); both tokens."""
    response = post(client, "mobile_signin", {"username": LOGIN, "password": password}, **extra)
    assert response.status_code == 200, response.content[:300]
    tokens: dict[str, str] = response.json()
    return tokens


def refresh(client: Client, token: str) -> Any:
    return post(client, "mobile_token_refresh", {"refresh": token})


def session_of(token: str) -> Session:
    return Session.objects.get(public_id=claims_of(token)["sid"])


def age_the_rotation(token: str, seconds: float) -> None:
    """As if the session's last rotation happened ``seconds`` ago."""
    session = session_of(token)
    assert session.rotated_at is not None
    Session.objects.filter(pk=session.pk).update(
        rotated_at=session.rotated_at - timedelta(seconds=seconds)
    )


def assert_refused(response: Any) -> None:
    assert response.status_code == 401, response.content[:300]
    assert response.json() == INVALID_TOKEN


# --- Names ---


def test_both_tokens_of_a_sign_in_name_one_random_session(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    access, refresh_claims = claims_of(tokens["access"]), claims_of(tokens["refresh"])
    assert access["sid"] == refresh_claims["sid"]
    session = Session.objects.get()
    assert session.public_id == access["sid"] != str(session.pk)
    assert len(access["sid"]) >= 32  # 192 random bits
    assert session.refresh_jti == refresh_claims["jti"]
    assert sign_in(client)["access"] != tokens["access"]
    assert Session.objects.count() == 2  # one per sign-in


def test_a_session_records_the_device(client: Client, user: Any) -> None:
    sign_in(client, HTTP_USER_AGENT="Phone/1.0", REMOTE_ADDR="203.0.113.7")
    session = Session.objects.get()
    assert (session.user, session.user_agent, session.ip_address) == (
        user,
        "Phone/1.0",
        "203.0.113.7",
    )
    assert session.expires_at - session.created_at == get_jwt_settings().JWT_REFRESH_TOKEN_LIFETIME


def test_refresh_rotates_the_refresh_token(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    response = refresh(client, tokens["refresh"])
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    new = response.json()["refresh"]
    assert claims_of(new)["sid"] == claims_of(tokens["refresh"])["sid"]
    assert claims_of(new)["jti"] != claims_of(tokens["refresh"])["jti"]
    assert session_of(new).refresh_jti == claims_of(new)["jti"]
    assert refresh(client, new).status_code == 200  # the new one refreshes in turn


def test_without_rotation_refresh_answers_the_access_token_only(
    client: Client, user: Any, change_settings: Any
) -> None:
    change_settings(JWT_ROTATE_REFRESH_TOKENS=False)
    tokens = sign_in(client)
    for _ in range(2):
        response = refresh(client, tokens["refresh"])
        assert response.status_code == 200
        assert set(response.json()) == {"access"}
        assert claims_of(response.json()["access"])["sid"] == claims_of(tokens["refresh"])["sid"]


def test_web_refresh_sets_a_new_cookie_with_the_same_attributes(client: Client, user: Any) -> None:
    signed_in = post(client, "web_signin", {"username": LOGIN, "password": PASSWORD})
    name = get_jwt_settings().JWT_REFRESH_COOKIE_NAME
    first = signed_in.cookies[name]
    response = client.post(url("web_token_refresh"))
    assert response.status_code == 200
    second = response.cookies[name]
    assert second.value != first.value
    attributes = ("path", "httponly", "secure", "samesite", "max-age")
    assert {key: second[key] for key in attributes} == {key: first[key] for key in attributes}
    assert client.post(url("web_token_refresh")).status_code == 200  # the client keeps the new one


def test_mobile_sign_out_revokes_the_session(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    response = post(client, "mobile_sign_out", {"refresh": tokens["refresh"]})
    assert response.status_code == 204
    assert session_of(tokens["refresh"]).revoked_reason == Session.RevokedReason.SIGN_OUT
    assert_refused(refresh(client, tokens["refresh"]))


def test_mobile_sign_out_with_a_bad_token_is_401(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    assert_refused(post(client, "mobile_sign_out", {"refresh": tokens["access"]}))
    assert_refused(post(client, "mobile_sign_out", {"refresh": "not-a-token"}))
    assert session_of(tokens["refresh"]).revoked_at is None


def test_web_sign_out_revokes_the_session_server_side(client: Client, user: Any) -> None:
    signed_in = post(client, "web_signin", {"username": LOGIN, "password": PASSWORD})
    cookie = signed_in.cookies[get_jwt_settings().JWT_REFRESH_COOKIE_NAME].value
    assert client.post(url("web_sign_out")).status_code == 204
    # A copy of the cookie taken before sign-out is worth nothing now.
    assert_refused(refresh(client, cookie))
    assert session_of(cookie).revoked_reason == Session.RevokedReason.SIGN_OUT


# --- Reuse detection (SECURITY.md 20) ---


def test_a_retry_within_the_grace_gets_the_current_refresh_token(client: Client, user: Any) -> None:
    """Two tabs, or a response lost on the way: the same token twice is not an attack."""
    tokens = sign_in(client)
    first = refresh(client, tokens["refresh"]).json()
    retry = refresh(client, tokens["refresh"])
    assert retry.status_code == 200
    assert claims_of(retry.json()["refresh"])["jti"] == claims_of(first["refresh"])["jti"]
    session = session_of(first["refresh"])
    assert session.revoked_at is None
    assert session.refresh_jti == claims_of(first["refresh"])["jti"]  # no second branch
    assert refresh(client, retry.json()["refresh"]).status_code == 200


def test_reuse_after_the_grace_revokes_the_whole_session(
    client: Client, user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = sign_in(client)
    newest = refresh(client, tokens["refresh"]).json()["refresh"]
    age_the_rotation(newest, get_jwt_settings().JWT_REFRESH_REUSE_GRACE.total_seconds() + 1)
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        assert_refused(refresh(client, tokens["refresh"]))
    assert session_of(newest).revoked_reason == Session.RevokedReason.REUSE_DETECTED
    assert_refused(refresh(client, newest))  # the thief's or the owner's: both are out
    assert "refresh_reuse_detected" in caplog.text


def test_a_token_two_rotations_old_is_reuse_even_within_the_grace(
    client: Client, user: Any
) -> None:
    tokens = sign_in(client)
    second = refresh(client, tokens["refresh"]).json()["refresh"]
    third = refresh(client, second).json()["refresh"]
    assert_refused(refresh(client, tokens["refresh"]))
    assert_refused(refresh(client, third))


def test_a_zero_grace_makes_every_replay_reuse(
    client: Client, user: Any, change_settings: Any
) -> None:
    change_settings(JWT_REFRESH_REUSE_GRACE=timedelta(0))
    tokens = sign_in(client)
    newest = refresh(client, tokens["refresh"]).json()["refresh"]
    age_the_rotation(newest, 0.001)
    assert_refused(refresh(client, tokens["refresh"]))
    assert_refused(refresh(client, newest))


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_never_fork_the_session() -> None:
    """SECURITY.md 20: 8 clients refresh the same token at once, each on its own database
    connection. One rotates it; the others are retries within the grace. No 500, no
    revocation, and every answer carries the one current refresh token."""
    create_user()
    tokens = sign_in(Client())
    answers: list[Any] = [None] * 8
    start = threading.Barrier(len(answers))

    def refresh_in_a_thread(index: int) -> None:
        try:
            start.wait(timeout=10)
            answers[index] = refresh(Client(), tokens["refresh"])
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh_in_a_thread, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [200] * 8, [
        answer.content[:200] for answer in answers
    ]
    session = session_of(tokens["refresh"])
    assert session.revoked_at is None
    assert session.previous_jti == claims_of(tokens["refresh"])["jti"]  # rotated once
    assert {claims_of(answer.json()["refresh"])["jti"] for answer in answers} == {
        session.refresh_jti
    }


def test_a_refresh_is_one_read_and_one_conditional_update(
    client: Client, user: Any, django_assert_num_queries: Any
) -> None:
    """The session comes with its user in one query; the rotation is one UPDATE on the current
    jti (compare and swap), which the concurrent test above puts to work."""
    tokens = sign_in(client)
    with django_assert_num_queries(2) as queries:
        assert refresh(client, tokens["refresh"]).status_code == 200
    read, update = (query["sql"] for query in queries.captured_queries)
    assert read.startswith("SELECT") and " JOIN " in read
    assert update.startswith("UPDATE") and "refresh_jti" in update.partition("WHERE")[2]


# --- What ends a session at refresh (SECURITY.md 15, 21) ---


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_gone_user_ends_the_session(client: Client, user: Any, change: str) -> None:
    tokens = sign_in(client)
    if change == "delete":
        user.delete()
    else:
        user.is_active = False
        user.save()
    assert_refused(refresh(client, tokens["refresh"]))


def test_a_new_password_set_any_way_ends_every_session(client: Client, user: Any) -> None:
    """set_password() is what the admin, changepassword and password resets all call."""
    tokens = sign_in(client)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert_refused(refresh(client, tokens["refresh"]))
    assert session_of(tokens["refresh"]).revoked_reason == Session.RevokedReason.PASSWORD_CHANGED


def test_a_rehash_of_the_same_password_keeps_every_session(
    client: Client, user: Any, settings: Any
) -> None:
    """Signing in with a stronger hasher first in PASSWORD_HASHERS re-hashes the password:
    not a new password, so the user's other devices stay signed in."""
    elsewhere = sign_in(client)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    before = user.password
    sign_in(client)
    user.refresh_from_db()
    assert user.password != before  # re-hashed
    assert refresh(client, elsewhere["refresh"]).status_code == 200


def test_a_password_set_during_a_sign_in_is_no_rehash(
    client: Client, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SECURITY.md 27: another request sets a new password after this sign-in read the stored
    hash and before it checks the (new) password: the hash changed, but not by a re-hash, so
    the sessions of the old password stay ended."""
    before = sign_in(client)

    def changed_meanwhile(request: Any, **credentials: Any) -> Any:
        user.set_password(NEW_PASSWORD)
        user.save()
        return authenticate(request, **credentials)

    monkeypatch.setattr("ninja_simple_jwt.services.authenticate", changed_meanwhile)
    sign_in(client, NEW_PASSWORD)
    assert_refused(refresh(client, before["refresh"]))


def test_an_expired_session_is_refused(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    Session.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_refused(refresh(client, tokens["refresh"]))


def test_refreshing_never_keeps_a_session_past_its_absolute_lifetime(
    client: Client, user: Any, change_settings: Any, clock: Any
) -> None:
    """SECURITY.md 28: each refresh moves the end forward, but not past the sign-in plus
    JWT_SESSION_MAX_LIFETIME; the session list shows that end."""
    day = timedelta(days=1)
    change_settings(
        JWT_REFRESH_TOKEN_LIFETIME=30 * day,
        JWT_SESSION_MAX_LIFETIME=40 * day,
        JWT_ROTATE_REFRESH_TOKENS=True,
    )
    tokens = sign_in(client)
    ends = timezone.now() + 40 * day
    clock.shift(29 * day)
    tokens = refresh(client, tokens["refresh"]).json()
    assert session_of(tokens["refresh"]).expires_at == ends  # not 30 days from now
    listed = get_sessions(client, tokens["access"]).json()[0]["expires_at"]
    assert datetime.fromisoformat(listed) == ends
    clock.shift(11 * day)
    assert_refused(refresh(client, tokens["refresh"]))


def test_a_token_of_an_unknown_session_is_refused(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    Session.objects.all().delete()
    assert_refused(refresh(client, tokens["refresh"]))


# --- The account routes ---


def get_sessions(client: Client, access: str) -> Any:
    return client.get(url("account_sessions"), headers=bearer(access))


def test_the_session_list_shows_my_live_sessions_newest_first(client: Client, user: Any) -> None:
    phone = sign_in(client, HTTP_USER_AGENT="Phone")
    laptop = sign_in(client, HTTP_USER_AGENT="Laptop")
    gone = sign_in(client)
    post(client, "mobile_sign_out", {"refresh": gone["refresh"]})
    other = create_user("grace@example.com")
    Session.objects.create(user=other, expires_at=timezone.now() + timedelta(days=1))
    response = get_sessions(client, phone["access"])
    assert response.status_code == 200
    listed = response.json()
    assert [entry["id"] for entry in listed] == [
        claims_of(laptop["access"])["sid"],
        claims_of(phone["access"])["sid"],
    ]
    assert [(entry["user_agent"], entry["current"]) for entry in listed] == [
        ("Laptop", False),
        ("Phone", True),
    ]
    assert set(listed[0]) == {
        "id",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "ip_address",
        "current",
    }


def test_revoking_one_session(client: Client, user: Any) -> None:
    phone, laptop = sign_in(client), sign_in(client)
    target = claims_of(laptop["access"])["sid"]
    response = client.delete(
        url("account_session", session_id=target), headers=bearer(phone["access"])
    )
    assert response.status_code == 204
    assert_refused(refresh(client, laptop["refresh"]))
    assert refresh(client, phone["refresh"]).status_code == 200


def test_another_users_session_and_an_unknown_one_are_the_same_404(
    client: Client, user: Any
) -> None:
    """SECURITY.md 23: no way to learn which ids exist."""
    mine = sign_in(client)
    other = Session.objects.create(
        user=create_user("grace@example.com"),
        expires_at=timezone.now() + timedelta(days=1),
    )
    answers = [
        client.delete(url("account_session", session_id=session_id), headers=bearer(mine["access"]))
        for session_id in (other.public_id, "no-such-session")
    ]
    assert [(answer.status_code, answer.json()) for answer in answers] == [
        (404, {"detail": "Session not found."})
    ] * 2
    other.refresh_from_db()
    assert other.revoked_at is None


def test_sign_out_everywhere_revokes_every_session_this_one_included(
    client: Client, user: Any
) -> None:
    phone, laptop = sign_in(client), sign_in(client)
    response = client.delete(url("account_sessions"), headers=bearer(phone["access"]))
    assert response.status_code == 204
    for tokens in (phone, laptop):
        assert_refused(refresh(client, tokens["refresh"]))
    assert get_sessions(client, phone["access"]).status_code == 401


def test_account_routes_need_an_access_token_of_a_live_session(client: Client, user: Any) -> None:
    """Stateless mode: /whoami still accepts a revoked session's access token until it
    expires (SECURITY.md 22), but it can no longer manage the account."""
    tokens = sign_in(client)
    assert get_sessions(client, tokens["refresh"]).status_code == 401  # not an access token
    post(client, "mobile_sign_out", {"refresh": tokens["refresh"]})
    assert client.get(url("whoami"), headers=bearer(tokens["access"])).status_code == 200
    assert get_sessions(client, tokens["access"]).json() == INVALID_TOKEN


def change_password(client: Client, access: str, current: str, new: str) -> Any:
    body = {"current_password": current, "new_password": new}
    return post(client, "account_password", body, headers=bearer(access))


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client: Client, user: Any
) -> None:
    here, elsewhere = sign_in(client), sign_in(client)
    assert change_password(client, here["access"], PASSWORD, NEW_PASSWORD).status_code == 204
    # Revoked at once, as the admin shows it, not only when that device next refreshes.
    assert session_of(elsewhere["refresh"]).revoked_reason == Session.RevokedReason.PASSWORD_CHANGED
    assert refresh(client, here["refresh"]).status_code == 200
    assert_refused(refresh(client, elsewhere["refresh"]))
    sign_in(client, NEW_PASSWORD)
    old = post(client, "mobile_signin", {"username": LOGIN, "password": PASSWORD})
    assert old.status_code == 401


def test_a_wrong_current_password_is_400(client: Client, user: Any) -> None:
    tokens = sign_in(client)
    response = change_password(client, tokens["access"], "wrong", NEW_PASSWORD)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "The current password is wrong."},
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_new_password_the_validators_refuse_is_422_with_their_messages(
    client: Client, user: Any
) -> None:
    tokens = sign_in(client)
    response = change_password(client, tokens["access"], PASSWORD, "123")
    assert response.status_code == 422
    messages = [entry["msg"] for entry in response.json()["detail"]]
    assert any("too short" in message for message in messages), messages
    assert any("entirely numeric" in message for message in messages), messages


def test_password_changes_are_throttled_like_sign_in(
    client: Client, user: Any, change_settings: Any
) -> None:
    change_settings(SIGN_IN_THROTTLE_RATE="3/min")
    tokens = sign_in(client)  # one budget with sign-in: this is the first of three
    answers = [
        change_password(client, tokens["access"], "wrong", NEW_PASSWORD).status_code
        for _ in range(3)
    ]
    assert answers == [400, 400, 429]


def test_wrong_current_passwords_count_against_the_account(
    client: Client, user: Any, change_settings: Any
) -> None:
    """SECURITY.md 26: the password form is no way around the sign-in limits."""
    tokens = sign_in(client)
    change_settings(SIGN_IN_THROTTLE_RATE=None, SIGN_IN_ACCOUNT_THROTTLE_RATE="2/15m")
    answers = [
        change_password(client, tokens["access"], "wrong", NEW_PASSWORD).status_code
        for _ in range(3)
    ]
    assert answers == [400, 400, 429]
    response = post(client, "mobile_signin", {"username": LOGIN, "password": PASSWORD})
    assert response.status_code == 429


# --- USE_STATELESS_AUTH = False (SECURITY.md 22) ---


@pytest.fixture
def stateful(change_settings: Any) -> None:
    change_settings(USE_STATELESS_AUTH=False)


def whoami(client: Client, access: str) -> Any:
    return client.get(url("whoami"), headers=bearer(access))


def test_stateful_auth_puts_the_user_model_on_the_request(
    client: Client, user: Any, stateful: None
) -> None:
    response = whoami(client, sign_in(client)["access"])
    assert response.status_code == 200
    assert response.json()["user_class"] == type(user).__name__
    assert response.json()["user_pk"] == user.pk


@pytest.mark.parametrize("end", ["sign_out", "deactivate", "delete", "new_password"])
def test_stateful_auth_refuses_at_once_what_ended_the_session(
    client: Client, user: Any, stateful: None, end: str
) -> None:
    tokens = sign_in(client)
    if end == "sign_out":
        post(client, "mobile_sign_out", {"refresh": tokens["refresh"]})
    elif end == "deactivate":
        user.is_active = False
        user.save()
    elif end == "delete":
        user.delete()
    else:
        user.set_password(NEW_PASSWORD)
        user.save()
    assert whoami(client, tokens["access"]).status_code == 401


# --- Operations: admin, purge, audit ---


def test_the_admin_lists_and_revokes_sessions(admin_client: Client, user: Any) -> None:
    session = Session.objects.create(
        user=user, expires_at=timezone.now() + timedelta(days=1), user_agent="Phone/1.0"
    )
    changelist = reverse("admin:ninja_simple_jwt_session_changelist")
    listing = admin_client.get(changelist)
    assert listing.status_code == 200
    assert b"Phone/1.0" in listing.content and b"live" in listing.content
    response = admin_client.post(
        changelist,
        {"action": "revoke_sessions", "_selected_action": [session.pk]},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.revoked_reason == Session.RevokedReason.REVOKED_BY_ADMIN


def test_clear_jwt_sessions_deletes_expired_and_revoked_ones(user: Any) -> None:
    now = timezone.now()
    live = Session.objects.create(user=user, expires_at=now + timedelta(days=1))
    Session.objects.create(user=user, expires_at=now - timedelta(seconds=1))
    Session.objects.create(user=user, expires_at=now + timedelta(days=1), revoked_at=now)
    output = io.StringIO()
    call_command("clear_jwt_sessions", stdout=output)
    assert output.getvalue() == "Deleted 2 expired or revoked session(s).\n"
    assert list(Session.objects.all()) == [live]


def test_the_audit_trail_names_users_sessions_and_addresses_never_secrets(
    client: Client, user: Any, caplog: pytest.LogCaptureFixture, change_settings: Any
) -> None:
    failures: list[Any] = []

    def failed(**kwargs: Any) -> None:
        failures.append(kwargs)

    user_login_failed.connect(failed)
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        tokens = sign_in(client, REMOTE_ADDR="198.51.100.4")
        post(client, "mobile_signin", {"username": LOGIN, "password": "wrong"})
        newest = refresh(client, tokens["refresh"]).json()["refresh"]
        change_password(client, tokens["access"], PASSWORD, NEW_PASSWORD)
        post(client, "mobile_sign_out", {"refresh": newest})
        change_settings(SIGN_IN_THROTTLE_RATE="1/min")
        post(client, "mobile_signin", {"username": LOGIN, "password": "x"})
        post(client, "mobile_signin", {"username": LOGIN, "password": "x"})
    user_login_failed.disconnect(failed)
    records = [record for record in caplog.records if record.name == AUDIT_LOGGER]
    audits = [record.audit for record in records]  # type: ignore[attr-defined]
    events = [audit["event"] for audit in audits]
    for event in ("sign_in", "sign_in_failed", "refresh", "password_changed", "sign_out"):
        assert event in events
    assert "throttled" in events
    first = records[0].audit  # type: ignore[attr-defined]
    assert first == {
        "event": "sign_in",
        "user_id": user.pk,
        "session_id": claims_of(tokens["access"])["sid"],
        "client_address": "198.51.100.4",
    }
    # A failure names the account it was against: the log is the owner's, to find an attack.
    failed_sign_in = next(audit for audit in audits if audit["event"] == "sign_in_failed")
    assert failed_sign_in["user_id"] == user.pk
    for secret in (tokens["access"], tokens["refresh"], newest, PASSWORD, NEW_PASSWORD):
        assert secret not in caplog.text
    assert failures  # Django's user_login_failed fired for the wrong password
