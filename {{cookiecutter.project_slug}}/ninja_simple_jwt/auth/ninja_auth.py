"""The library's import path of ``HttpJwtAuth``; the class lives in ``authentication``."""

from ninja_simple_jwt.authentication import HttpJwtAuth

__all__ = ["HttpJwtAuth"]
