"""The server-side session behind every refresh token: one row per sign-in (device, browser)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

__all__ = ["Session", "new_jti", "new_session_id"]


def new_session_id() -> str:
    """The public id written into tokens as ``sid``: random, never the row's integer key."""
    return secrets.token_urlsafe(24)


def new_jti() -> str:
    return secrets.token_urlsafe(16)


class SessionQuerySet(models.QuerySet["Session"]):
    def live(self) -> SessionQuerySet:
        """Not revoked and not expired (a changed password is checked on the user, see sessions)."""
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())

    def finished(self) -> SessionQuerySet:
        """Revoked or expired: what ``clear_jwt_sessions`` deletes."""
        return self.filter(Q(revoked_at__isnull=False) | Q(expires_at__lte=timezone.now()))


class Session(models.Model):
    """A sign-in. Its refresh tokens rotate; the access tokens it issues name it as ``sid``."""

    class RevokedReason(models.TextChoices):
        SIGN_OUT = "sign_out", "Signed out"
        SIGN_OUT_EVERYWHERE = "sign_out_everywhere", "Signed out everywhere"
        REVOKED_BY_USER = "revoked_by_user", "Revoked by the user"
        REVOKED_BY_ADMIN = "revoked_by_admin", "Revoked by an administrator"
        REUSE_DETECTED = "reuse_detected", "Refresh token reused"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        USER_INACTIVE = "user_inactive", "User deactivated"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jwt_sessions"
    )
    public_id = models.CharField(max_length=64, unique=True, default=new_session_id, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    user_agent = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The jti of the one refresh token that may refresh now, and the one it replaced.
    refresh_jti = models.CharField(max_length=64, default=new_jti)
    previous_jti = models.CharField(max_length=64, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    # A digest of the user's password hash when the session began: a new password ends it.
    password_fingerprint = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=RevokedReason.choices, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = "JWT session"
        indexes = (models.Index(fields=["user", "revoked_at"], name="jwt_session_user_live"),)

    def __str__(self) -> str:
        return f"Session {self.public_id[:8]}… of user {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
