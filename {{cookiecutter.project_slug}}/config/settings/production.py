"""Production: everything secret or host-specific comes from environment variables.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS{% if cookiecutter.key_storage == "s3" %}, JWT_PRIVATE_KEY_BUCKET,
JWT_PUBLIC_KEY_BUCKET{% elif cookiecutter.key_storage == "env" %}, JWT_PRIVATE_KEY,
JWT_PUBLIC_KEY{% endif %}. See .env.example and README.md.
"""

import re

from .base import *  # noqa: F403
from .base import MIDDLEWARE, {% if cookiecutter.web_auth or cookiecutter.key_storage == "env" %}NINJA_SIMPLE_JWT, {% endif %}STORAGES, env

DEBUG = False

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = env("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# HTTPS everywhere. Behind a proxy that terminates TLS, it must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe the health check over plain http: it answers there, not with a redirect.
SECURE_REDIRECT_EXEMPT = [rf"^{re.escape(API_PATH)}/health$"]  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Start low and raise it once HTTPS works for every subdomain: browsers remember it.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
{% if cookiecutter.web_auth %}

# The refresh cookie's name carries the __Secure- prefix: browsers then take it only from an
# HTTPS response, so no plain-http page or network attacker can plant one in its place.
# (Local settings keep the plain name: runserver speaks http.)
NINJA_SIMPLE_JWT = {**NINJA_SIMPLE_JWT, "JWT_REFRESH_COOKIE_NAME": "__Secure-refresh"}
{% endif %}
{% if cookiecutter.key_storage == "env" %}

# The signing keys from the environment (PEM text; "\n" in a value stands for a newline), as
# containers and secret managers hand them over; no key file is read. After a rotation
# (`python manage.py make_jwt_key --rotate` under these settings prints the new values),
# JWT_PREVIOUS_PUBLIC_KEYS holds the retired public keys that still verify tokens.
# SECURITY WARNING: JWT_PRIVATE_KEY signs tokens for anyone: keep it in a secret store.
NINJA_SIMPLE_JWT = {
    **NINJA_SIMPLE_JWT,
    "JWT_PRIVATE_KEY": env.str("JWT_PRIVATE_KEY", multiline=True),
    "JWT_PUBLIC_KEY": env.str("JWT_PUBLIC_KEY", multiline=True),
    "JWT_PREVIOUS_PUBLIC_KEYS": env.str("JWT_PREVIOUS_PUBLIC_KEYS", default=None),
}
{% endif %}
{% if cookiecutter.web_auth and cookiecutter.demo_page %}

# The web sign-in demo page at /demo/: off unless DJANGO_DEMO_PAGE=true (a staging site, say).
DEMO_PAGE_ENABLED = env.bool("DJANGO_DEMO_PAGE", default=False)
{% endif %}

# One cache for every worker and instance: sign-in throttling counts there, so the limits hold
# for the whole deployment. Redis when REDIS_URL is set (redis://host:6379/0); otherwise a
# table in the database (`python manage.py createcachetable` creates it), never one per process.
REDIS_URL = env("REDIS_URL", default=None)
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# Static files: `python manage.py collectstatic` writes them, compressed and with hashed names,
# to STATIC_ROOT; WhiteNoise serves them from the app server with far-future cache headers.
# (Development uses runserver's own static serving, so WhiteNoise is wired here only.)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
{% if cookiecutter.key_storage == "s3" %}
    # The JWT signing keys, in S3 or an S3-compatible store that every instance reaches, each
    # under its bucket's prefix (may be empty); `python manage.py make_jwt_key` under these
    # settings writes them there. Credentials come the standard AWS way (AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the instance's role); the region from
    # JWT_KEYS_S3_REGION, else AWS_DEFAULT_REGION or the AWS config.
    # SECURITY WARNING: only this application may read the private key's bucket (or prefix).
    # The public key's may be shared with services that verify our tokens.
    "jwt_private_key": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("JWT_PRIVATE_KEY_BUCKET"),
            "location": env("JWT_PRIVATE_KEY_PREFIX", default=""),
            "endpoint_url": env("JWT_KEYS_S3_ENDPOINT_URL", default=None),
            "region_name": env("JWT_KEYS_S3_REGION", default=None),
        },
    },
    "jwt_public_key": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("JWT_PUBLIC_KEY_BUCKET"),
            "location": env("JWT_PUBLIC_KEY_PREFIX", default=""),
            "endpoint_url": env("JWT_KEYS_S3_ENDPOINT_URL", default=None),
            "region_name": env("JWT_KEYS_S3_REGION", default=None),
        },
    },
{% endif %}
}

# Logs go to standard output (see LOGGING in base.py), where the process manager collects them.
