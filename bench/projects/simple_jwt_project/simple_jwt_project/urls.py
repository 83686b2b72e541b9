"""The API: the library's mobile and web routers, an open /ping and a protected /me."""

from typing import Any, Literal

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Schema
from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
from ninja_simple_jwt.auth.views.api import mobile_auth_router, web_auth_router

api = NinjaAPI()
api.add_router("/auth/mobile/", mobile_auth_router)
api.add_router("/auth/web/", web_auth_router)


class PingResponse(Schema):
    status: Literal["ok"]


@api.get("/ping", response=PingResponse, auth=None)
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


@api.get("/me", response=dict[str, Any], auth=HttpJwtAuth())
def me(request: HttpRequest) -> dict[str, Any]:
    # Stateless: the library's TokenUser, built from the verified claims.
    user: Any = request.user
    return {"user_id": user.id, "username": user.username}


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
