"""A page to try the web sign-in flow in a browser, served only where DEMO_PAGE_ENABLED is on.

No build step and no third-party script: a plain HTML page, a stylesheet and a script from
``assets/``, served by these views so that one setting switches them all off (404), under a
Content-Security-Policy that allows nothing but this origin's own files and API. The script
learns where the API lives from ``config.json``, built from the URL configuration, so the page
follows the paths in config/settings/jwt.py: the web auth router, ``/me`` and the account
routes (sessions, password).
"""

from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from {{ cookiecutter.project_slug }}.api import api

ASSETS = Path(__file__).resolve().parent / "assets"

# No inline script or style, nothing from another origin, no framing, no form posts.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

View = Callable[[HttpRequest], HttpResponse]


def demo_view(view: View) -> View:
    """GET or HEAD only; 404 unless the settings switch the demo on; strict CSP; not cached."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if not settings.DEMO_PAGE_ENABLED:
            raise Http404("The demo page is switched off (DEMO_PAGE_ENABLED).")
        response = view(request)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response["Cache-Control"] = "no-store"
        return response

    return require_safe(wrapper)


def asset(name: str, content_type: str) -> HttpResponse:
    return HttpResponse((ASSETS / name).read_bytes(), content_type=content_type)


@demo_view
def page(request: HttpRequest) -> HttpResponse:
    return asset("index.html", "text/html; charset=utf-8")


@demo_view
def script(request: HttpRequest) -> HttpResponse:
    return asset("demo.js", "text/javascript; charset=utf-8")


@demo_view
def stylesheet(request: HttpRequest) -> HttpResponse:
    return asset("demo.css", "text/css; charset=utf-8")


@demo_view
def config(request: HttpRequest) -> HttpResponse:
    """Where the page finds the API: the web router's endpoints, the protected /me and the
    account routes (the caller's sessions, the password change)."""
    namespace = api.urls_namespace
    return JsonResponse(
        {
            "title": api.title,
            "login_field": get_user_model().USERNAME_FIELD,
            "urls": {
                "sign_in": reverse(f"{namespace}:web_signin"),
                "refresh": reverse(f"{namespace}:web_token_refresh"),
                "sign_out": reverse(f"{namespace}:web_sign_out"),
                "me": reverse(f"{namespace}:me"),
                # One session is DELETE <sessions>/<id>; DELETE <sessions> revokes them all.
                "sessions": reverse(f"{namespace}:account_sessions"),
                "password": reverse(f"{namespace}:account_password"),
            },
        }
    )
