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
    # Changing it needs new keys: python manage.py make_jwt_key --force (signs every user out).
    "JWT_ALGORITHM": "{{ cookiecutter.jwt_algorithm }}",
    "JWT_ACCESS_TOKEN_LIFETIME": timedelta(minutes={{ cookiecutter.access_token_lifetime_minutes }}),
    # A refresh token is the handle of a server-side session (one per sign-in). Revoking it
    # stops the refresh, but an access token already issued stays valid until it expires: the
    # access lifetime above is how long a signed-out device can still call the API.
    "JWT_REFRESH_TOKEN_LIFETIME": timedelta(days={{ cookiecutter.refresh_token_lifetime_days }}),
{% if cookiecutter.refresh_token_rotation %}
    # Refreshing slides a session's end forward, but never past this long after its sign-in:
    # a refresh token stolen from a device its owner stopped using dies by itself.
{% else %}
    # No session outlives this long after its sign-in (without rotation a refresh never
    # extends one; this matters if you turn rotation on).
{% endif %}
    "JWT_SESSION_MAX_LIFETIME": timedelta(days={{ [90, cookiecutter.refresh_token_lifetime_days | int] | max }}),
{% if cookiecutter.refresh_token_rotation %}
    # Each refresh answers a new refresh token; presenting a replaced one again (after
    # JWT_REFRESH_REUSE_GRACE, 5 s) is reuse and revokes that session.
    "JWT_ROTATE_REFRESH_TOKENS": True,
{% else %}
    # A refresh answers only an access token; the refresh token lasts until it expires.
    "JWT_ROTATE_REFRESH_TOKENS": False,
{% endif %}
    # Also available: JWT_ISSUER and JWT_AUDIENCE (written into tokens and then required),
    # JWT_LEEWAY (clock skew, 10 s), SIGN_IN_THROTTLE_RATE ("10/min" per client) and
    # SIGN_IN_ACCOUNT_THROTTLE_RATE ("10/15m" failures per account; None turns either off),
    # JWT_KEY_RELOAD_INTERVAL (how soon every process signs with a rotated key, 1 minute),
    # USE_STATELESS_AUTH (False: check the session and user on every request, one query).
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
