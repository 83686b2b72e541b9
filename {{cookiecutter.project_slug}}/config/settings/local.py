"""Local development: debug on, the refresh cookie without Secure so it works over plain http."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# SECURITY WARNING: this fallback is for local development only; .env holds a random key.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# A front-end dev server (Vite's default port) may call the API with credentials.
CORS_ALLOWED_ORIGINS = env.list(
    "DJANGO_CORS_ALLOWED_ORIGINS", default=["http://localhost:5173", "http://127.0.0.1:5173"]
)
{% if cookiecutter.web_auth and cookiecutter.demo_page %}

# The web sign-in demo page at /demo/.
DEMO_PAGE_ENABLED = env.bool("DJANGO_DEMO_PAGE", default=True)
{% endif %}
