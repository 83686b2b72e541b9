"""BENCHMARK ONLY: a minimal project on django-ninja-simple-jwt 0.8.1, as its README sets it up.

Django's startproject apps and middleware, the library's defaults (RS256, stateless
``HttpJwtAuth``), and the shared benchmark-only settings of benchmark_only.py.
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
    "ninja_simple_jwt",
]

MIDDLEWARE = benchmark_only.MIDDLEWARE

ROOT_URLCONF = "simple_jwt_project.urls"
TEMPLATES = benchmark_only.TEMPLATES
WSGI_APPLICATION = "simple_jwt_project.wsgi.application"
DATABASES = benchmark_only.database(BASE_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"

# The key pair is jwt-signing.pem / .pub in the working directory (its disk storage opens them
# there, and refuses absolute names): the harness runs make_jwt_key and gunicorn in this folder.
NINJA_SIMPLE_JWT = {"JWT_ALGORITHM": "RS256"}
