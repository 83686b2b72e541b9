"""Sessions: starting one at sign-in, refreshing with rotation and reuse detection, revoking.

Access tokens stay stateless; the refresh path reads one session row (with its user) and writes
it once. Rotation is a conditional update on the current ``jti`` (compare and swap), so two
concurrent refreshes of one token cannot both win, on SQLite as on PostgreSQL, without locks or
a transaction held open. RFC 9700, 4.14.2: a refresh token presented after it was replaced is
reuse, and ends the whole session; the immediately previous one within
``JWT_REFRESH_REUSE_GRACE`` is a retry (two tabs, a lost response) and gets the current one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.throttling import BaseThrottle
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError, database_errors_as_503
from ninja_simple_jwt.models import Session, new_jti
from ninja_simple_jwt.session_rows import find_session, swap_refresh_jti
from ninja_simple_jwt.tokens import MintedToken, mint_token, verify_token

__all__ = [
    "AUDIT_LOGGER",
    "Refreshed",
    "SignInTokens",
    "audit",
    "client_address",
    "live_session",
    "refresh_session",
    "revoke",
    "start_session",
]

# Every audit event goes to this logger: event, user id, session id and client address.
AUDIT_LOGGER = "ninja_simple_jwt.audit"
_audit_logger = logging.getLogger(AUDIT_LOGGER)
_client_ident = BaseThrottle()  # django-ninja's client address rule (NINJA_NUM_PROXIES)


@dataclass(frozen=True)
class SignInTokens:
    refresh: MintedToken
    access: MintedToken


@dataclass(frozen=True)
class Refreshed:
    access: MintedToken
    refresh: MintedToken | None  # None when rotation is off


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address as django-ninja's throttles see it, or None if not an address."""
    if request is None:
        return None
    ident = _client_ident.get_ident(request) or ""
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except ValueError:
        return None


def audit(
    event: str,
    request: HttpRequest | None = None,
    *,
    user_id: Any = None,
    session: Session | None = None,
    level: int = logging.INFO,
) -> None:
    """Log one audit event; never a token or a password."""
    if session is not None and user_id is None:
        user_id = session.user_id
    fields = {
        "event": event,
        "user_id": user_id,
        "session_id": None if session is None else session.public_id,
        "client_address": client_address(request),
    }
    _audit_logger.log(
        level,
        "%s user=%s session=%s address=%s",
        *fields.values(),
        extra={"audit": fields},
    )


def password_fingerprint(user: Any, stored: str | None = None) -> str:
    """A digest of the user's password hash (or of ``stored``): a new password, set any way,
    changes it."""
    password = getattr(user, "password", "") if stored is None else stored
    return hashlib.sha256(f"ninja_simple_jwt:{password}".encode()).hexdigest()


def keep_sessions_after_rehash(user: Any, stored: str) -> None:
    """Django re-hashed the same password at sign-in (a stronger hasher, new parameters): not
    a new password, so the sessions of the old hash stay usable."""
    if getattr(user, "password", stored) != stored:
        Session.objects.filter(
            user=user, password_fingerprint=password_fingerprint(user, stored)
        ).update(password_fingerprint=password_fingerprint(user))


def _tokens(session: Session, user: Any, now: datetime) -> SignInTokens:
    """A refresh token with the session's current jti and expiry, and an access token, both
    issued at ``now``: the one reading of the clock their times (and the cookie's) come from."""
    # Token times are whole seconds since the epoch; the session's datetimes follow USE_TZ.
    issued_at = int(time.time())
    remaining = round((session.expires_at - now).total_seconds())
    return SignInTokens(
        refresh=mint_token(
            user,
            "refresh",
            session_id=session.public_id,
            jti=session.refresh_jti,
            issued_at=issued_at,
            expires_at=issued_at + remaining,
        ),
        access=mint_token(user, "access", session_id=session.public_id, issued_at=issued_at),
    )


@database_errors_as_503
def start_session(user: Any, request: HttpRequest | None = None) -> SignInTokens:
    """A new session for ``user`` and its first pair of tokens."""
    user_agent = "" if request is None else request.META.get("HTTP_USER_AGENT", "")
    now = timezone.now()
    session = Session.objects.create(
        user=user,
        created_at=now,
        last_used_at=now,
        expires_at=now + get_jwt_settings().JWT_REFRESH_TOKEN_LIFETIME,
        user_agent=str(user_agent)[:512],
        ip_address=client_address(request),
        password_fingerprint=password_fingerprint(user),
    )
    audit("sign_in", request, session=session)
    return _tokens(session, user, now)


def _refusal(session: Session) -> Session.RevokedReason | None:
    """Why a session that is not revoked must end now: its user is gone from it."""
    user = session.user
    if getattr(user, "is_active", True) is not True:
        return Session.RevokedReason.USER_INACTIVE
    if session.password_fingerprint != password_fingerprint(user):
        return Session.RevokedReason.PASSWORD_CHANGED
    return None


def _find(session_id: Any) -> Session | None:
    """The session of this public id with its user, in one query (no ordering), or None."""
    return find_session(session_id) if isinstance(session_id, str) else None


@database_errors_as_503
def live_session(session_id: Any) -> Session | None:
    """The session with its user if it can still be used (one query), else None."""
    session = _find(session_id)
    if session is None or not session.is_live or _refusal(session) is not None:
        return None
    return session


@database_errors_as_503
def revoke(session: Session, reason: str, request: HttpRequest | None = None) -> None:
    """End one session: its refresh tokens stop working (its access tokens at their expiry)."""
    now = timezone.now()
    Session.objects.filter(pk=session.pk, revoked_at=None).update(
        revoked_at=now, revoked_reason=reason
    )
    session.revoked_at, session.revoked_reason = now, reason
    audit("session_revoked", request, session=session)


@database_errors_as_503
def revoke_all(sessions: Any, reason: str, request: HttpRequest | None = None) -> int:
    """Revoke every live session of a queryset in one update; the number revoked."""
    now = timezone.now()
    live = list(sessions.filter(revoked_at=None))
    Session.objects.filter(pk__in=[session.pk for session in live], revoked_at=None).update(
        revoked_at=now, revoked_reason=reason
    )
    for session in live:
        session.revoked_at, session.revoked_reason = now, reason
        audit("session_revoked", request, session=session)
    return len(live)


def session_of_token(claims: dict[str, Any]) -> Session:
    """The session (with its user) that verified refresh claims belong to, else 401."""
    session = _find(claims["sid"])
    if session is None or not session.is_live:  # revoked or expired
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
    claims = verify_token(refresh_token, "refresh")
    session = session_of_token(claims)
    user, jti, now = session.user, claims["jti"], timezone.now()
    if not (jwt_settings.JWT_ROTATE_REFRESH_TOKENS if rotate is None else rotate):
        if jti != session.refresh_jti:
            _reuse(session, request)
        Session.objects.filter(pk=session.pk).update(last_used_at=now)
        audit("refresh", request, session=session)
        access = mint_token(user, "access", session_id=session.public_id)
        return Refreshed(access=access, refresh=None)
    if jti == session.refresh_jti:
        rotated = {
            "refresh_jti": new_jti(),
            "previous_jti": jti,
            "rotated_at": now,
            "last_used_at": now,
            "expires_at": now + jwt_settings.JWT_REFRESH_TOKEN_LIFETIME,
        }
        # Compare and swap: only the request that still sees ``jti`` as current rotates it.
        if swap_refresh_jti(session, jti, rotated):
            for field, value in rotated.items():
                setattr(session, field, value)
            audit("refresh", request, session=session)
            tokens = _tokens(session, user, now)
            return Refreshed(access=tokens.access, refresh=tokens.refresh)
        session.refresh_from_db()  # another request rotated it a moment ago
        if session.revoked_at is not None:
            raise InvalidTokenError()
    grace = jwt_settings.JWT_REFRESH_REUSE_GRACE
    is_retry = (
        jti == session.previous_jti
        and session.rotated_at is not None
        and now - session.rotated_at <= grace
    )
    if not is_retry:
        _reuse(session, request)
    audit("refresh_retry", request, session=session)
    tokens = _tokens(session, user, now)
    return Refreshed(access=tokens.access, refresh=tokens.refresh)


def _reuse(session: Session, request: HttpRequest | None) -> None:
    """A replaced refresh token came back: someone else may hold the session. End it."""
    audit("refresh_reuse_detected", request, session=session, level=logging.WARNING)
    if session.revoked_at is None:
        revoke(session, Session.RevokedReason.REUSE_DETECTED, request)
    raise InvalidTokenError()


@database_errors_as_503
def end_session(refresh_token: str, request: HttpRequest | None = None) -> None:
    """Sign out: revoke the session a valid refresh token belongs to."""
    claims = verify_token(refresh_token, "refresh")
    session = _find(claims["sid"])
    if session is None:
        raise InvalidTokenError()
    audit("sign_out", request, session=session)
    if session.revoked_at is None:
        revoke(session, Session.RevokedReason.SIGN_OUT, request)


@database_errors_as_503
def user_sessions(user: Any) -> list[Session]:
    """The live sessions of a user, newest first."""
    fingerprint = password_fingerprint(user)
    return [
        session
        for session in Session.objects.live().filter(user=user)
        if session.password_fingerprint == fingerprint
    ]
