"""The auth routers. Mount them on a ``NinjaAPI`` (see the project's README).

Mobile clients get both tokens in the body. Web clients get the access token in the body and
the refresh token only in an HttpOnly cookie scoped to ``WEB_REFRESH_COOKIE_PATH``. Each sign-in
is a session (``sessions.py``); sign-out revokes it. Errors are answered in ``errors.py``; the
web router also refuses a foreign ``Origin`` (403) and two refresh cookies (401).
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja_simple_jwt.conf import DEFAULTS, get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError, answered, same_site_origin
from ninja_simple_jwt.schemas import (
    AccessTokenResponse,
    ErrorResponse,
    MobileSignInResponse,
    MobileTokenRefreshResponse,
    RefreshTokenRequest,
    SignInRequest,
    ValidationErrorResponse,
)
from ninja_simple_jwt.services import sign_in
from ninja_simple_jwt.sessions import end_session, refresh_session
from ninja_simple_jwt.throttling import SignInRateThrottle
from ninja_simple_jwt.tokens import MintedToken

__all__ = ["mobile_auth_router", "web_auth_router"]

# auth=None on routers and operations: a NinjaAPI(auth=...) default must not lock sign-in out.
mobile_auth_router: Final = Router(auth=None)
web_auth_router: Final = Router(auth=None)
mobile_auth_router.add_decorator(answered(), mode="view")
web_auth_router.add_decorator(answered(same_site_origin), mode="view")

_ERRORS: Final = {401: ErrorResponse, 503: ErrorResponse}
# Not JSON (415), a JSON body that cannot be parsed (400) or does not fit its schema (422).
_BODY_ERRORS: Final = {
    **_ERRORS,
    400: ErrorResponse,
    415: ErrorResponse,
    422: ValidationErrorResponse,
}
_WEB_ERRORS: Final = {**_ERRORS, 403: ErrorResponse}
_SIGN_IN_ERRORS: Final = {**_BODY_ERRORS, 429: ErrorResponse}
_SIGN_IN_THROTTLE: Final = SignInRateThrottle()


def _cookie_docs() -> dict[str, Any]:
    """The refresh cookie as an OpenAPI parameter. Read from the raw setting when the module
    loads: a bad value must reach ``manage.py check`` as an error, not break the import."""
    configured = getattr(settings, "NINJA_SIMPLE_JWT", None)
    name = configured.get("JWT_REFRESH_COOKIE_NAME") if isinstance(configured, dict) else None
    name = name if isinstance(name, str) else DEFAULTS["JWT_REFRESH_COOKIE_NAME"]
    parameter = {"in": "cookie", "name": name, "required": False, "schema": {"type": "string"}}
    return {"parameters": [parameter]}


@mobile_auth_router.post(
    "/sign-in",
    response={200: MobileSignInResponse, **_SIGN_IN_ERRORS},
    url_name="mobile_signin",
    auth=None,
    throttle=_SIGN_IN_THROTTLE,
    summary="Sign in (mobile): both tokens in the body",
)
def mobile_sign_in(request: HttpRequest, payload: SignInRequest) -> MobileSignInResponse:
    tokens = sign_in(request, payload.username, payload.password)
    return MobileSignInResponse(refresh=tokens.refresh.token, access=tokens.access.token)


@mobile_auth_router.post(
    "/token-refresh",
    response={200: MobileTokenRefreshResponse, **_BODY_ERRORS},
    url_name="mobile_token_refresh",
    auth=None,
    exclude_none=True,
    summary="New access token (and, with rotation, a new refresh token) (mobile)",
)
def mobile_token_refresh(
    request: HttpRequest, payload: RefreshTokenRequest
) -> MobileTokenRefreshResponse:
    tokens = refresh_session(payload.refresh, request)
    rotated = None if tokens.refresh is None else tokens.refresh.token
    return MobileTokenRefreshResponse(access=tokens.access.token, refresh=rotated)


@mobile_auth_router.post(
    "/sign-out",
    response={204: None, **_BODY_ERRORS},
    url_name="mobile_sign_out",
    auth=None,
    summary="Sign out (mobile): the refresh token's session is revoked",
)
def mobile_sign_out(
    request: HttpRequest, payload: RefreshTokenRequest, response: HttpResponse
) -> HttpResponse:
    end_session(payload.refresh, request)
    # Returning the response itself gives a bodiless 204 on every django-ninja 1.x.
    response.status_code = 204
    return response


def _set_refresh_cookie(response: HttpResponse, token: MintedToken | None) -> None:
    """Set the cookie to ``token`` (``None`` deletes it) with its one set of attributes. Its
    Max-Age is the token's own lifetime, ``exp - iat``: no second reading of the clock."""
    jwt_settings = get_jwt_settings()
    response.set_cookie(
        jwt_settings.JWT_REFRESH_COOKIE_NAME,
        "" if token is None else token.token,
        max_age=0 if token is None else token.expires_at - token.claims["iat"],
        expires="Thu, 01 Jan 1970 00:00:00 GMT" if token is None else None,
        path=jwt_settings.WEB_REFRESH_COOKIE_PATH,
        secure=jwt_settings.WEB_REFRESH_COOKIE_SECURE,
        httponly=jwt_settings.WEB_REFRESH_COOKIE_HTTP_ONLY,
        samesite=jwt_settings.WEB_REFRESH_COOKIE_SAME_SITE_POLICY,
    )


def _refresh_cookie(request: HttpRequest) -> str:
    """The one refresh cookie. Django keeps the last of several of one name, and a browser
    sends a cookie planted at ``Path=/`` by a sibling subdomain beside ours: two is a 401."""
    name = get_jwt_settings().JWT_REFRESH_COOKIE_NAME
    sent = [
        part.partition("=")[0].strip() for part in request.META.get("HTTP_COOKIE", "").split(";")
    ]
    token = request.COOKIES.get(name)
    if not token or sent.count(name) > 1:
        raise InvalidTokenError()
    return token


@web_auth_router.post(
    "/sign-in",
    response={200: AccessTokenResponse, **_SIGN_IN_ERRORS, 403: ErrorResponse},
    url_name="web_signin",
    auth=None,
    throttle=_SIGN_IN_THROTTLE,
    summary="Sign in (web): access token in the body, refresh token in an HttpOnly cookie",
)
def web_sign_in(
    request: HttpRequest, payload: SignInRequest, response: HttpResponse
) -> AccessTokenResponse:
    tokens = sign_in(request, payload.username, payload.password)
    _set_refresh_cookie(response, tokens.refresh)
    return AccessTokenResponse(access=tokens.access.token)


@web_auth_router.post(
    "/token-refresh",
    response={200: AccessTokenResponse, **_WEB_ERRORS},
    url_name="web_token_refresh",
    auth=None,
    openapi_extra=_cookie_docs(),
    summary="New access token from the refresh cookie (web); with rotation, a new cookie",
)
def web_token_refresh(request: HttpRequest, response: HttpResponse) -> AccessTokenResponse:
    tokens = refresh_session(_refresh_cookie(request), request)
    if tokens.refresh is not None:
        _set_refresh_cookie(response, tokens.refresh)
    return AccessTokenResponse(access=tokens.access.token)


@web_auth_router.post(
    "/sign-out",
    response={204: None, **_WEB_ERRORS},
    url_name="web_sign_out",
    auth=None,
    openapi_extra=_cookie_docs(),
    summary="Sign out (web): the session is revoked and the refresh cookie deleted",
)
def web_sign_out(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    end_session(_refresh_cookie(request), request)
    _set_refresh_cookie(response, None)
    response.status_code = 204
    return response
