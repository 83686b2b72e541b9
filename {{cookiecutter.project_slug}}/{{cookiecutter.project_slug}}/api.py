"""The project's one NinjaAPI: auth routers, example resources, OpenAPI docs at <API_PATH>/docs."""

from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI, Schema
{% if cookiecutter.mobile_auth and cookiecutter.web_auth %}
from ninja_simple_jwt.auth.views.api import account_router, mobile_auth_router, web_auth_router
{% elif cookiecutter.mobile_auth %}
from ninja_simple_jwt.auth.views.api import account_router, mobile_auth_router
{% else %}
from ninja_simple_jwt.auth.views.api import account_router, web_auth_router
{% endif %}

from {{ cookiecutter.project_slug }}.users.api import router as users_router

api = NinjaAPI(
    title={{ cookiecutter.project_name | python_string }},
    description={{ cookiecutter.description | python_string }},
    version="1.0.0",
)

{% if cookiecutter.mobile_auth %}
# Tokens in JSON bodies, for native apps and other non-browser clients.
api.add_router(f"/{settings.MOBILE_AUTH_PATH}/", mobile_auth_router)
{% endif %}
{% if cookiecutter.web_auth %}
# Refresh token in an HttpOnly cookie scoped to this router (see config/settings/jwt.py).
api.add_router(f"/{settings.WEB_AUTH_PATH}/", web_auth_router)
{% endif %}
# The caller's sessions (devices) and password change, behind HttpJwtAuth.
api.add_router("/account/", account_router)
api.add_router("/", users_router)


class HealthResponse(Schema):
    status: Literal["ok"]


@api.get("/health", response=HealthResponse, auth=None, tags=["health"], url_name="health")
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness probe for load balancers; needs no token."""
    return {"status": "ok"}
