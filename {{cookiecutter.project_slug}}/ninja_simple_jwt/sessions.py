"""Sessions: the server-side state behind each refresh token, and what may change it.

- ``start_session``: sign-in (``services``) and the library's ``get_*_for_user`` helpers.
- ``refresh_session``: the token-refresh routes; ``end_session``: the sign-out routes.
- ``live_session``: ``HttpJwtAuth`` with ``USE_STATELESS_AUTH = False``, and the account routes.
- ``revoke``: the account routes, a password change, the admin, and this module.
- ``user_sessions``: the account routes' session list.
- ``password_fingerprint`` and ``keep_sessions_after_rehash``: sign-in and password change.

Access tokens stay stateless; a refresh reads its session with its user (one query) and writes
it once. Rotation is one conditional UPDATE on the current ``jti`` (compare and swap): of two
concurrent refreshes of one token only one can win, on SQLite as on PostgreSQL, without locks.
RFC 9700, 4.14.2: a refresh token presented after it was replaced is reuse and ends the whole
session; the immediately previous one within ``JWT_REFRESH_REUSE_GRACE`` is a retry (two tabs,
a lost response) and gets the current one.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import check_password
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja_simple_jwt.audit import audit, client_address
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError, database_errors_as_503
from ninja_simple_jwt.models import Session, new_jti
from ninja_simple_jwt.tokens import MintedToken, TokenTypes, mint_token, verify_token

__all__ = [
    "SignInTokens",
    "end_session",
    "keep_sessions_after_rehash",
    "live_session",
    "password_fingerprint",
    "refresh_session",
    "revoke",
    "start_session",
    "user_sessions",
]


@dataclass(frozen=True)
class SignInTokens:
    refresh: MintedToken
    access: MintedToken


@dataclass(frozen=True)
class Refreshed:
    access: MintedToken
    refresh: MintedToken | None  # None when rotation is off


def password_fingerprint(user: Any, stored: str | None = None) -> str:
    """A digest of the user's password hash (or of ``stored``): a new password, set any way,
    changes it."""
    password = getattr(user, "password", "") if stored is None else stored
    return hashlib.sha256(f"ninja_simple_jwt:{password}".encode()).hexdigest()


def keep_sessions_after_rehash(user: Any, stored: str, password: str) -> None:
    """Django re-hashed ``password`` at sign-in (a stronger hasher, new parameters): not a new
    password, so the sessions of the old hash stay usable. Only if the old hash verifies it: a
    new password set meanwhile by another request changes the hash too, and ends them."""
    if getattr(user, "password", stored) != stored and check_password(password, stored):
        Session.objects.filter(
            user=user, password_fingerprint=password_fingerprint(user, stored)
        ).update(password_fingerprint=password_fingerprint(user))


def _tokens(session: Session, user: Any, now: datetime) -> SignInTokens:
    """A refresh token with the session's current jti and expiry, and an access token, both
    issued at one reading of the clock (the refresh cookie's Max-Age comes from it too)."""
    # Token times are whole seconds since the epoch; the session's datetimes follow USE_TZ.
    issued_at = int(time.time())
    remaining = round((session.expires_at - now).total_seconds())
    refresh = mint_token(
        user,
        TokenTypes.REFRESH,
        session_id=session.public_id,
        jti=session.refresh_jti,
        issued_at=issued_at,
        expires_at=issued_at + remaining,
    )
    access = mint_token(user, TokenTypes.ACCESS, session_id=session.public_id, issued_at=issued_at)
    return SignInTokens(refresh=refresh, access=access)


@database_errors_as_503
def start_session(user: Any, request: HttpRequest | None = None) -> SignInTokens:
    """A new session for ``user`` and its first pair of tokens."""
    user_agent = "" if request is None else request.META.get("HTTP_USER_AGENT", "")
    now, jwt_settings = timezone.now(), get_jwt_settings()
    session = Session.objects.create(
        user=user,
        created_at=now,
        last_used_at=now,
        expires_at=now
        + min(jwt_settings.JWT_REFRESH_TOKEN_LIFETIME, jwt_settings.JWT_SESSION_MAX_LIFETIME),
        user_agent=str(user_agent)[:512],
        ip_address=client_address(request),
        password_fingerprint=password_fingerprint(user),
    )
    audit("sign_in", request, session=session)
    return _tokens(session, user, now)


def _refusal(session: Session) -> Session.RevokedReason | None:
    """Why a session that is not revoked must end now: its user is gone from it."""
    if getattr(session.user, "is_active", True) is not True:
        return Session.RevokedReason.USER_INACTIVE
    if session.password_fingerprint != password_fingerprint(session.user):
        return Session.RevokedReason.PASSWORD_CHANGED
    return None


def _find(session_id: Any) -> Session | None:
    """The session of this public id with its user, in one query, or None."""
    try:
        return Session.objects.select_related("user").get(public_id=str(session_id))
    except Session.DoesNotExist:
        return None


@database_errors_as_503
def live_session(session_id: Any) -> Session | None:
    """The session with its user if it can still be used (one query), else None."""
    session = _find(session_id)
    if session is None or not session.is_live or _refusal(session) is not None:
        return None
    return session


@database_errors_as_503
def revoke(
    sessions: QuerySet[Session] | Session, reason: str, request: HttpRequest | None = None
) -> int:
    """End ``sessions`` (a loaded one, or the live ones of a queryset) in one update: their
    refresh tokens stop working, their access tokens at their expiry. How many it ended."""
    live = [sessions] if isinstance(sessions, Session) else list(sessions.filter(revoked_at=None))
    ended = Session.objects.filter(pk__in=[session.pk for session in live], revoked_at=None)
    if not ended.update(revoked_at=timezone.now(), revoked_reason=reason):
        return 0  # revoked meanwhile (or already): nothing to log
    for session in live:
        audit("session_revoked", request, session=session)
    return len(live)


def _session_of_token(claims: dict[str, Any]) -> Session:
    """The live session (with its user) of verified refresh claims, else 401."""
    session = _find(claims["sid"])
    if session is None or not session.is_live:  # unknown, revoked or expired
        raise InvalidTokenError()
    reason = _refusal(session)
    if reason is not None:
        revoke(session, reason)
        raise InvalidTokenError()
    return session


@database_errors_as_503
def refresh_session(
    refresh_token: str, request: HttpRequest | None = None, rotate: bool | None = None
) -> Refreshed:
    """New tokens for a valid refresh token; reuse of a replaced one revokes its session.

    ``rotate`` defaults to ``JWT_ROTATE_REFRESH_TOKENS``; without rotation only the current
    refresh token of the session is accepted, and only an access token is answered.
    """
    jwt_settings = get_jwt_settings()
    claims = verify_token(refresh_token, TokenTypes.REFRESH)
    session = _session_of_token(claims)
    user, jti, now = session.user, claims["jti"], timezone.now()
    if not (jwt_settings.JWT_ROTATE_REFRESH_TOKENS if rotate is None else rotate):
        if jti != session.refresh_jti:
            _reuse(session, request)
        Session.objects.filter(pk=session.pk).update(last_used_at=now)
        audit("refresh", request, session=session)
        access = mint_token(user, TokenTypes.ACCESS, session_id=session.public_id)
        return Refreshed(access=access, refresh=None)
    if jti == session.refresh_jti:
        rotated = {
            "refresh_jti": new_jti(),
            "previous_jti": jti,
            "rotated_at": now,
            "last_used_at": now,
            # Sliding, but never past the session's absolute end.
            "expires_at": min(
                now + jwt_settings.JWT_REFRESH_TOKEN_LIFETIME,
                session.created_at + jwt_settings.JWT_SESSION_MAX_LIFETIME,
            ),
        }
        # Compare and swap: only the request that still sees ``jti`` as current rotates it.
        if Session.objects.filter(pk=session.pk, refresh_jti=jti, revoked_at=None).update(
            **rotated
        ):
            for field, value in rotated.items():
                setattr(session, field, value)
            audit("refresh", request, session=session)
            tokens = _tokens(session, user, now)
            return Refreshed(access=tokens.access, refresh=tokens.refresh)
        session.refresh_from_db()  # another request rotated it a moment ago
        if session.revoked_at is not None:
            raise InvalidTokenError()
    is_retry = (
        jti == session.previous_jti
        and session.rotated_at is not None
        and now - session.rotated_at <= jwt_settings.JWT_REFRESH_REUSE_GRACE
    )
    if not is_retry:
        _reuse(session, request)
    audit("refresh_retry", request, session=session)
    tokens = _tokens(session, user, now)
    return Refreshed(access=tokens.access, refresh=tokens.refresh)


def _reuse(session: Session, request: HttpRequest | None) -> None:
    """A replaced refresh token came back: someone else may hold the session. End it."""
    audit("refresh_reuse_detected", request, session=session, level=logging.WARNING)
    revoke(session, Session.RevokedReason.REUSE_DETECTED, request)
    raise InvalidTokenError()


@database_errors_as_503
def end_session(refresh_token: str, request: HttpRequest | None = None) -> None:
    """Sign out: revoke the session a valid refresh token belongs to."""
    session = _find(verify_token(refresh_token, TokenTypes.REFRESH)["sid"])
    if session is None:
        raise InvalidTokenError()
    audit("sign_out", request, session=session)
    revoke(session, Session.RevokedReason.SIGN_OUT, request)


@database_errors_as_503
def user_sessions(user: Any) -> list[Session]:
    """The live sessions of a user, newest first."""
    fingerprint = password_fingerprint(user)
    return list(Session.objects.live().filter(user=user, password_fingerprint=fingerprint))
