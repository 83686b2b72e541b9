"""The JWK Set (RFC 7517) of the public keys, for services that verify our tokens.

``path("", include("ninja_simple_jwt.urls"))`` in the root URLconf serves it at
``/.well-known/jwks.json``; a resource server needs nothing else (e.g. PyJWT's ``PyJWKClient``).
"""

from __future__ import annotations

from typing import Final

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.keys.cache import key_cache

__all__ = ["JWKS_MAX_AGE", "jwks_view"]

# How long clients and caches may keep the JWK Set. Short: after `make_jwt_key --rotate`, a
# verifier with an older copy refuses the new kid's tokens until its copy expires.
JWKS_MAX_AGE: Final = 300


# Exempt from CSRF so that a POST gets the JSON 405 below rather than an HTML 403.
@csrf_exempt
def jwks_view(request: HttpRequest) -> HttpResponse:
    """The current and previous public keys: public members only, with kid, use and alg."""
    if request.method not in ("GET", "HEAD"):
        not_allowed = JsonResponse({"detail": "Method not allowed."}, status=405)
        not_allowed["Allow"] = "GET, HEAD"
        return not_allowed
    try:
        body = key_cache.jwks()
    except KeysUnavailableError as exc:
        unavailable = JsonResponse({"detail": exc.message}, status=exc.status_code)
        unavailable["Cache-Control"] = "no-store"
        return unavailable
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response
