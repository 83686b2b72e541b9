"""BENCHMARK ONLY: a minimal project on django-ninja-jwt 5.4.5, as its README sets it up.

Django's startproject apps and middleware, the library's defaults (HS256 signed with SECRET_KEY,
5-minute access tokens, no ``last_login`` update at sign-in; ``JWTAuth`` loads the user from the
database on every request), and the shared benchmark-only settings of benchmark_only.py.
"""

from pathlib import Path

import benchmark_only

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = benchmark_only.DEBUG
SECRET_KEY = benchmark_only.SECRET_KEY
ALLOWED_HOSTS = benchmark_only.ALLOWED_HOSTS

INSTALLED_APPS = [
    *benchmark_only.STARTPROJECT_APPS,
    "ninja",
    "ninja_extra",
    "ninja_jwt",
]

MIDDLEWARE = benchmark_only.MIDDLEWARE

ROOT_URLCONF = "ninja_jwt_project.urls"
TEMPLATES = benchmark_only.TEMPLATES
WSGI_APPLICATION = "ninja_jwt_project.wsgi.application"
DATABASES = benchmark_only.database(BASE_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
