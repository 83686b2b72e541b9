"""The URLconf of the app's tests: the routers at the library's default paths, whatever the
project mounts, the account router, a protected operation, the JWK Set and the admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path
from ninja import NinjaAPI
from ninja_simple_jwt.account import account_router
from ninja_simple_jwt.api import mobile_auth_router, web_auth_router
from ninja_simple_jwt.authentication import HttpJwtAuth

api = NinjaAPI(title="ninja_simple_jwt tests", urls_namespace="jwt-tests")
api.add_router("/auth/mobile/", mobile_auth_router)
api.add_router("/auth/web/", web_auth_router)
api.add_router("/account/", account_router)


@api.get("/whoami", auth=HttpJwtAuth(), url_name="whoami")
def whoami(request: HttpRequest) -> dict[str, Any]:
    """The verified claims, and what ``request.user`` is made of."""
    user: Any = request.user
    return {
        "claims": request.auth,  # type: ignore[attr-defined]
        "user_class": type(user).__name__,
        "user_pk": user.pk,
        "username": user.get_username(),
    }


urlpatterns = [
    path("", include("ninja_simple_jwt.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
