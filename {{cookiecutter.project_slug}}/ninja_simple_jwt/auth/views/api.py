"""The auth routers: mount them on a ``NinjaAPI`` (see the README).

Mobile clients get both tokens in the body. Web clients get the access token in the body and
the refresh token only in an HttpOnly cookie scoped to ``WEB_REFRESH_COOKIE_PATH``. Errors are
``HttpError`` subclasses, answered as ``{"detail": ...}`` by django-ninja.
"""

from __future__ import annotations

import time
from typing import Final

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja_simple_jwt.auth.services import refresh_access_token, sign_in
from ninja_simple_jwt.auth.throttling import SignInRateThrottle
from ninja_simple_jwt.auth.views.schemas import (
    AccessTokenResponse,
    ErrorResponse,
    MobileSignInResponse,
    MobileTokenRefreshRequest,
    SignInRequest,
    ValidationErrorResponse,
)
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt.tokens import verify_refresh_token
from ninja_simple_jwt.settings import get_jwt_settings

__all__ = ["mobile_auth_router", "web_auth_router"]

# auth=None on routers and operations: a NinjaAPI(auth=...) default must not lock sign-in out.
mobile_auth_router: Final = Router(auth=None)
web_auth_router: Final = Router(auth=None)

_SIGN_IN_ERRORS: Final = {401: ErrorResponse, 503: ErrorResponse}
# A JSON body that cannot be parsed (400) or does not fit its schema (422).
_BODY_ERRORS: Final = {**_SIGN_IN_ERRORS, 400: ErrorResponse, 422: ValidationErrorResponse}
# 429 when SIGN_IN_THROTTLE_RATE is exceeded (one budget per client for both sign-in routes).
_THROTTLED_SIGN_IN_ERRORS: Final = {**_BODY_ERRORS, 429: ErrorResponse}
# The web endpoints read the refresh token from this cookie: published so clients know it.
_REFRESH_COOKIE_DOCS: Final = {
    "parameters": [
        {
            "in": "cookie",
            "name": get_jwt_settings().JWT_REFRESH_COOKIE_NAME,
            "required": False,
            "schema": {"type": "string"},
            "description": "The refresh token that web sign-in set (HttpOnly).",
        }
    ]
}
_SIGN_IN_THROTTLE: Final = SignInRateThrottle()
_EXPIRED_COOKIE_DATE: Final = "Thu, 01 Jan 1970 00:00:00 GMT"


@mobile_auth_router.post(
    "/sign-in",
    response={200: MobileSignInResponse, **_THROTTLED_SIGN_IN_ERRORS},
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
    response={200: AccessTokenResponse, **_BODY_ERRORS},
    url_name="mobile_token_refresh",
    auth=None,
    summary="New access token from a refresh token (mobile)",
)
def mobile_token_refresh(
    request: HttpRequest, payload: MobileTokenRefreshRequest
) -> AccessTokenResponse:
    return AccessTokenResponse(access=refresh_access_token(payload.refresh))


def _set_refresh_cookie(
    response: HttpResponse, value: str, max_age: int, expires: str | None = None
) -> None:
    jwt_settings = get_jwt_settings()
    response.set_cookie(
        jwt_settings.JWT_REFRESH_COOKIE_NAME,
        value,
        max_age=max_age,
        expires=expires,
        path=jwt_settings.WEB_REFRESH_COOKIE_PATH,
        secure=jwt_settings.WEB_REFRESH_COOKIE_SECURE,
        httponly=jwt_settings.WEB_REFRESH_COOKIE_HTTP_ONLY,
        samesite=jwt_settings.WEB_REFRESH_COOKIE_SAME_SITE_POLICY,
    )


def _refresh_cookie(request: HttpRequest) -> str:
    token = request.COOKIES.get(get_jwt_settings().JWT_REFRESH_COOKIE_NAME)
    if not token:
        raise InvalidTokenError()
    return token


@web_auth_router.post(
    "/sign-in",
    response={200: AccessTokenResponse, **_THROTTLED_SIGN_IN_ERRORS},
    url_name="web_signin",
    auth=None,
    throttle=_SIGN_IN_THROTTLE,
    summary="Sign in (web): access token in the body, refresh token in an HttpOnly cookie",
)
def web_sign_in(
    request: HttpRequest, payload: SignInRequest, response: HttpResponse
) -> AccessTokenResponse:
    tokens = sign_in(request, payload.username, payload.password)
    # Max-Age (and Django's matching Expires) ends with the refresh token itself.
    _set_refresh_cookie(
        response, tokens.refresh.token, max_age=max(tokens.refresh.expires_at - int(time.time()), 0)
    )
    return AccessTokenResponse(access=tokens.access.token)


@web_auth_router.post(
    "/token-refresh",
    response={200: AccessTokenResponse, **_SIGN_IN_ERRORS},
    url_name="web_token_refresh",
    auth=None,
    openapi_extra=_REFRESH_COOKIE_DOCS,
    summary="New access token from the refresh cookie (web)",
)
def web_token_refresh(request: HttpRequest) -> AccessTokenResponse:
    return AccessTokenResponse(access=refresh_access_token(_refresh_cookie(request)))


@web_auth_router.post(
    "/sign-out",
    response={204: None, **_SIGN_IN_ERRORS},
    url_name="web_sign_out",
    auth=None,
    openapi_extra=_REFRESH_COOKIE_DOCS,
    summary="Delete the refresh cookie (web); the token itself stays valid until it expires",
)
def web_sign_out(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    verify_refresh_token(_refresh_cookie(request))
    # Same name, path and attributes as when set, so the browser replaces (deletes) that cookie.
    _set_refresh_cookie(response, "", max_age=0, expires=_EXPIRED_COOKIE_DATE)
    # Returning the response itself gives a bodiless 204 on every django-ninja 1.x.
    response.status_code = 204
    return response
