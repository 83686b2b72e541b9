"""``python manage.py clear_jwt_sessions``: delete expired and revoked sessions.

Like Django's ``clearsessions``, meant for a daily schedule (cron, a systemd timer, your
platform's scheduler), so the table does not grow without bound.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from ninja_simple_jwt.models import Session


class Command(BaseCommand):
    help = "Delete expired and revoked JWT sessions (their refresh tokens no longer work)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted, _ = Session.objects.finished().delete()
        self.stdout.write(f"Deleted {deleted} expired or revoked session(s).")
