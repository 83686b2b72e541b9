"""Settings shared by every environment; what differs per deployment comes from the environment.

The environment is read in this one place: real environment variables first, then a git-ignored
``.env`` file in the project root (the post-generation hook wrote one with a random secret key).
"""

import re
from pathlib import Path

import environ

# The URL layout and the JWT settings that the prompts chose; see jwt.py.
from .jwt import (
    API_PATH as API_PATH,
{% if cookiecutter.mobile_auth %}
    MOBILE_AUTH_PATH as MOBILE_AUTH_PATH,
{% endif %}
    NINJA_SIMPLE_JWT as NINJA_SIMPLE_JWT,
{% if cookiecutter.web_auth %}
    WEB_AUTH_PATH as WEB_AUTH_PATH,
{% endif %}
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Variables already set in the environment win over the file.
    environ.Env.read_env(BASE_DIR / ".env")

# SECURITY WARNING: don't run with debug turned on in production!
DEBUG = env.bool("DJANGO_DEBUG", default=False)

ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])

# How many reverse proxies stand in front of the app (1 behind one load balancer). django-ninja
# then takes the client address from X-Forwarded-For for sign-in throttling; with 0 it ignores
# that header, which a client could otherwise forge to dodge the throttle.
NINJA_NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "ninja",
    "ninja_simple_jwt",
    "{{ cookiecutter.project_slug }}.users",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer early, so every API response gets its CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

{% if cookiecutter.database == "postgresql" %}
# PostgreSQL, from DATABASE_URL (postgres://user:password@host:5432/name). The default reaches a
# local server through its Unix socket as the current user.
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres:///{{ cookiecutter.project_slug }}"),
}
# Keep connections open between requests, and check them before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
{% else %}
# SQLite in the project root unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
{% endif %}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A custom user model from the first migration, as Django advises for new projects.
AUTH_USER_MODEL = "users.User"

# Argon2id (OWASP's parameters) for new and re-hashed passwords; the others only verify hashes
# made before, which are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "{{ cookiecutter.project_slug }}.users.hashers.OwaspArgon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Front ends on other origins (an SPA dev server, an app on another subdomain) calling the API
# with fetch(..., {credentials: "include"}). Only the origins listed here may read the API's
# answers, with credentials (the refresh cookie); every other origin gets no CORS headers.
# Comma separated, scheme and host (and port), no path: https://app.example.com
CORS_ALLOWED_ORIGINS: list[str] = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
# The API only: the admin and the other pages are not for other origins.
CORS_URLS_REGEX = rf"^/{re.escape(API_PATH)}/"
{% if cookiecutter.web_auth and cookiecutter.demo_page %}

# The page at /demo/ that tries the web sign-in in a browser: on in local.py, off in production
# unless DJANGO_DEMO_PAGE=true. Switched off, its URLs answer 404.
DEMO_PAGE_ENABLED = False
{% endif %}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # The JWT signing keys, read by ninja_simple_jwt through these two aliases: files in the
    # project root (BASE_DIR), the private key created 0600. `python manage.py make_jwt_key` writes
    # them. SECURITY WARNING: never commit them (.gitignore lists them) and never serve them.
    "jwt_private_key": {
        "BACKEND": "ninja_simple_jwt.keys.storage.KeyFileStorage",
        "OPTIONS": {"file_permissions_mode": 0o600},
    },
    "jwt_public_key": {
        "BACKEND": "ninja_simple_jwt.keys.storage.KeyFileStorage",
        "OPTIONS": {"file_permissions_mode": 0o644},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print every line a second time.
        "django": {"handlers": [], "propagate": True},
        # The audit trail: sign-ins, refreshes, sign-outs, revocations, refresh token reuse,
        # throttling; with user id, session id and client address, never a token or password.
        "ninja_simple_jwt.audit": {"level": "INFO"},
    },
}
