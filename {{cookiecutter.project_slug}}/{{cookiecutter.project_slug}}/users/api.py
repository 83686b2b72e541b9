"""Example protected resource: who am I, according to my access token."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
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
