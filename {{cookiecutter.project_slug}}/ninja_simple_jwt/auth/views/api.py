"""The library's import path of the routers; they live in ``ninja_simple_jwt.api``."""

from ninja_simple_jwt.api import mobile_auth_router, web_auth_router

__all__ = ["mobile_auth_router", "web_auth_router"]
