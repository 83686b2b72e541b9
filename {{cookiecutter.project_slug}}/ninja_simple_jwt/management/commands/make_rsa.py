"""``python manage.py make_rsa``: the library's first name of ``make_jwt_key``, same flags."""

from ninja_simple_jwt.management.commands.make_jwt_key import Command

__all__ = ["Command"]
