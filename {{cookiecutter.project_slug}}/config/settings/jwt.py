"""JWT authentication: where the auth routers live and how long tokens last.

The values below are the answers given when the project was generated. The URL paths are used
by config/urls.py and the API, and the refresh cookie's path is derived from them, so the cookie
reaches the web router's token-refresh and sign-out endpoints and nothing else.
Every key of NINJA_SIMPLE_JWT is documented in ninja_simple_jwt/conf.py; where the signing keys
are stored is the STORAGES setting (base.py, production.py).
"""

from datetime import timedelta

# Where the NinjaAPI is mounted (no leading or trailing slash).
API_PATH = "{{ cookiecutter.api_path.strip('/') }}"
{% if cookiecutter.mobile_auth %}
# Prefix of the mobile auth router inside the API: tokens travel in JSON bodies.
MOBILE_AUTH_PATH = "{{ cookiecutter.mobile_auth_path.strip('/') }}"
{% endif %}
{% if cookiecutter.web_auth %}
# Prefix of the web auth router inside the API: the refresh token travels in an HttpOnly cookie.
WEB_AUTH_PATH = "{{ cookiecutter.web_auth_path.strip('/') }}"
{% endif %}

NINJA_SIMPLE_JWT = {
    # Changing it needs new keys: python manage.py make_rsa --force (signs every user out).
    "JWT_ALGORITHM": "{{ cookiecutter.jwt_algorithm }}",
    "JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes={{ cookiecutter.access_token_lifetime_minutes }}),
    "JWT_REFRESH_TOKEN_LIFETIME": timedelta(days={{ cookiecutter.refresh_token_lifetime_days }}),
    # Also available: JWT_ISSUER and JWT_AUDIENCE (written into tokens and then required),
    # JWT_LEEWAY (clock skew, 10 s), SIGN_IN_THROTTLE_RATE ("10/min"; None turns it off).
{% if cookiecutter.login_field == "email" %}
    # Users sign in with their e-mail address. The sign-in body keeps the field name "username"
    # (clients written for django-ninja-simple-jwt keep working); it holds the address.
    "USERNAME_FIELD": "email",
    "TOKEN_CLAIM_USER_ATTRIBUTE_MAP": {
        "user_id": "id",
        "email": "email",
        "last_login": "last_login",
    },
{% endif %}
{% if cookiecutter.web_auth %}
    # Must be exactly where the web router is mounted: the browser then sends the refresh
    # cookie to token-refresh and sign-out only, never to the rest of the API.
    "WEB_REFRESH_COOKIE_PATH": f"/{API_PATH}/{WEB_AUTH_PATH}",
{% endif %}
}
