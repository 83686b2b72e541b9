"""URL configuration: the admin, and the API at the path chosen when the project was generated."""

from django.conf import settings
from django.contrib import admin
from django.urls import path

from {{ cookiecutter.project_slug }}.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path(f"{settings.API_PATH}/", api.urls),
]
