"""The JWK Set (RFC 7517) of the public keys, for resource servers that verify our tokens.

Serve it with ``path("", include("ninja_simple_jwt.urls"))`` in the root URLconf: it is then at
``/.well-known/jwks.json``. A resource server needs nothing else, e.g. PyJWT's ``PyJWKClient``.
"""

from __future__ import annotations

from typing import Final

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja_simple_jwt.errors import KeysUnavailableError
from ninja_simple_jwt.jwt.keys import get_jwks

__all__ = ["JWKS_MAX_AGE", "jwks_view"]

# How long clients and shared caches may keep the JWK Set. Short on purpose: after
# `make_rsa --rotate`, tokens with the new kid are issued at once, and a verifier holding an
# older copy refuses them until its copy expires (not every client refetches on an unknown
# kid). Five minutes keeps that window small while sparing the server a fetch per token.
JWKS_MAX_AGE: Final = 300
_ALLOWED_METHODS: Final = ("GET", "HEAD")


# Exempt from CSRF so that a POST is answered with the JSON 405 below rather than an HTML 403;
# the view never changes anything.
@csrf_exempt
def jwks_view(request: HttpRequest) -> HttpResponse:
    """The current and previous public keys: public members only, with ``kid``, ``use``, ``alg``."""
    if request.method not in _ALLOWED_METHODS:
        not_allowed = JsonResponse({"detail": "Method not allowed."}, status=405)
        not_allowed["Allow"] = ", ".join(_ALLOWED_METHODS)
        return not_allowed
    try:
        body = get_jwks()
    except KeysUnavailableError as exc:
        unavailable = JsonResponse({"detail": exc.message}, status=exc.status_code)
        unavailable["Cache-Control"] = "no-store"
        return unavailable
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response
