"""The library's import path of the routers; they live in ``api`` and ``account``."""

from ninja_simple_jwt.account import account_router
from ninja_simple_jwt.api import mobile_auth_router, web_auth_router

__all__ = ["account_router", "mobile_auth_router", "web_auth_router"]
