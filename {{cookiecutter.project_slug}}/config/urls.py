"""URL configuration: the admin, and the API at the path chosen when the project was generated."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from {{ cookiecutter.project_slug }}.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    # The public keys as a JWK Set, at /.well-known/jwks.json, for services verifying our tokens.
    path("", include("ninja_simple_jwt.urls")),
    path(f"{settings.API_PATH}/", api.urls),
{% if cookiecutter.web_auth and cookiecutter.demo_page %}
    # A page to try the web sign-in in a browser; 404 unless settings.DEMO_PAGE_ENABLED.
    path("demo/", include("{{ cookiecutter.project_slug }}.demo.urls")),
{% endif %}
]
