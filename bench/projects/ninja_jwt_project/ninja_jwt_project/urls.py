"""The API: the library's default controller (/token/pair, /token/refresh, /token/verify), an
open /ping and a protected /me."""

from typing import Any, Literal

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path
from ninja import Schema
from ninja_extra import NinjaExtraAPI
from ninja_jwt.authentication import JWTAuth
from ninja_jwt.controller import NinjaJWTDefaultController

api = NinjaExtraAPI()
api.register_controllers(NinjaJWTDefaultController)


class PingResponse(Schema):
    status: Literal["ok"]


@api.get("/ping", response=PingResponse, auth=None)
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


@api.get("/me", response=dict[str, Any], auth=JWTAuth())
def me(request: HttpRequest) -> dict[str, Any]:
    # JWTAuth loads the user from the database on every request.
    user: Any = request.user
    return {"user_id": user.id, "username": user.username}


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
