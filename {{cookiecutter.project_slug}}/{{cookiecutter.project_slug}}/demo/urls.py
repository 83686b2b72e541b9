"""The demo page and its files, mounted at /demo/ by config/urls.py."""

from django.urls import path

from {{ cookiecutter.project_slug }}.demo import views

app_name = "demo"

urlpatterns = [
    path("", views.page, name="page"),
    path("config.json", views.config, name="config"),
    path("demo.js", views.script, name="script"),
    path("demo.css", views.stylesheet, name="stylesheet"),
]
