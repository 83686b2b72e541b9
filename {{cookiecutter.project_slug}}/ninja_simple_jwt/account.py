"""The account router: the caller's sessions (devices) and password, behind ``HttpJwtAuth``.

Every route reads the session of the access token used, in every ``USE_STATELESS_AUTH`` mode:
an access token of a revoked session cannot manage the account, even before it expires.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja_simple_jwt.authentication import HttpJwtAuth
from ninja_simple_jwt.errors import InvalidTokenError, SessionNotFoundError, answered
from ninja_simple_jwt.models import Session
from ninja_simple_jwt.schemas import (
    ErrorResponse,
    PasswordChangeRequest,
    SessionResponse,
    ValidationErrorResponse,
)
from ninja_simple_jwt.services import change_password
from ninja_simple_jwt.sessions import live_session, revoke, user_sessions
from ninja_simple_jwt.throttling import SignInRateThrottle

__all__ = ["account_router"]

account_router: Final = Router(auth=HttpJwtAuth(), tags=["account"])
account_router.add_decorator(answered(), mode="view")

_ERRORS: Final = {401: ErrorResponse, 503: ErrorResponse}


def _current_session(request: HttpRequest) -> Session:
    claims: dict[str, Any] = request.auth  # type: ignore[attr-defined]
    session = live_session(claims.get("sid"))
    if session is None:
        raise InvalidTokenError()
    return session


@account_router.get(
    "/sessions",
    response={200: list[SessionResponse], **_ERRORS},
    url_name="account_sessions",
    summary="The caller's live sessions (signed-in devices and browsers), newest first",
)
def list_sessions(request: HttpRequest) -> list[SessionResponse]:
    current = _current_session(request)
    return [
        SessionResponse(
            id=session.public_id,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
            user_agent=session.user_agent,
            ip_address=session.ip_address,
            current=session.pk == current.pk,
        )
        for session in user_sessions(current.user)
    ]


@account_router.delete(
    "/sessions/{session_id}",
    response={204: None, 404: ErrorResponse, **_ERRORS},
    url_name="account_session",
    summary="Revoke one of the caller's sessions",
)
def revoke_session(request: HttpRequest, session_id: str, response: HttpResponse) -> HttpResponse:
    current = _current_session(request)
    # Unknown and someone else's are one answer: ids cannot be probed.
    mine = Session.objects.live().filter(user=current.user, public_id=session_id)
    if not revoke(mine, Session.RevokedReason.REVOKED_BY_USER, request):
        raise SessionNotFoundError()
    # Returning the response itself gives a bodiless 204 on every django-ninja 1.x.
    response.status_code = 204
    return response


@account_router.delete(
    "/sessions",
    response={204: None, **_ERRORS},
    summary="Sign out everywhere: revoke every session of the caller, this one included",
)
def revoke_every_session(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    current = _current_session(request)
    everywhere = Session.RevokedReason.SIGN_OUT_EVERYWHERE
    revoke(Session.objects.filter(user=current.user), everywhere, request)
    response.status_code = 204
    return response


@account_router.post(
    "/password",
    response={
        204: None,
        400: ErrorResponse,
        415: ErrorResponse,
        422: ValidationErrorResponse,
        429: ErrorResponse,
        **_ERRORS,
    },
    url_name="account_password",
    throttle=SignInRateThrottle(),
    summary="Change the password; every other session of the caller is revoked",
)
def change_password_view(
    request: HttpRequest, payload: PasswordChangeRequest, response: HttpResponse
) -> HttpResponse:
    current = _current_session(request)
    change_password(request, current, payload.current_password, payload.new_password)
    response.status_code = 204
    return response
