"""URLs outside the API: ``path("", include("ninja_simple_jwt.urls"))`` at the URLconf's root.

Serves the JWK Set at ``/.well-known/jwks.json`` (RFC 8615 puts well-known URIs at the root),
reversible as ``reverse("jwks")``.
"""

from __future__ import annotations

from django.urls import path
from ninja_simple_jwt.jwks import jwks_view

urlpatterns = [path(".well-known/jwks.json", jwks_view, name="jwks")]
