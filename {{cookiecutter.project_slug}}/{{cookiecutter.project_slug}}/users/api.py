"""Example protected resources: who am I, according to my access token (sync and async)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.schemas import ErrorResponse

# Every operation of this router needs `Authorization: Bearer <access token>`.
router = Router(auth=HttpJwtAuth(), tags=["users"])


@router.get(
    "/me",
    response={200: dict[str, Any], 401: ErrorResponse, 503: ErrorResponse},
    url_name="me",
)
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller's verified token claims. Stateless: no database query."""
    claims: dict[str, Any] = request.auth  # type: ignore[attr-defined]
    return claims


class Caller(Schema):
    """Who the access token says the caller is."""

    id: int = Field(description="The user's primary key (the token's user_id claim).")
    username: str = Field(
        description="The sign-in name (the e-mail address when users sign in with one)."
    )


@router.get(
    "/me/async",
    response={200: Caller, 401: ErrorResponse, 503: ErrorResponse},
    url_name="me_async",
)
async def me_async(request: HttpRequest) -> Caller:
    """The caller's id and sign-in name, from an `async def` operation (a pattern for async code).

    HttpJwtAuth works unchanged in async operations; `await request.auser()` gives the user it
    built from the token (no database query with stateless auth, the default). Serve the project
    with an ASGI server (uvicorn, see the README) for async operations to run on its event loop.
    """
    user = await request.auser()
    if not user.is_authenticated:  # never after HttpJwtAuth; narrows the type for mypy
        raise AuthenticationError
    return Caller(id=user.pk, username=user.get_username())
