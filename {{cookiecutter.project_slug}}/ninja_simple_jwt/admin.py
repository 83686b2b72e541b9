"""The sessions in Django's admin: who is signed in where, and a way to end it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja_simple_jwt.models import Session
from ninja_simple_jwt.sessions import revoke


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "public_id",
        "user",
        "created_at",
        "last_used_at",
        "user_agent",
        "ip_address",
        "state",
    )
    list_filter = ("revoked_reason", "created_at")
    list_select_related = ("user",)
    search_fields = ("public_id", "ip_address", "user_agent")
    # Read-only: a session changes by signing in, refreshing and revoking. The jti values and
    # the password fingerprint are not shown.
    fields = readonly_fields = (
        "public_id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "ip_address",
        "revoked_at",
        "revoked_reason",
    )
    actions = ("revoke_sessions",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sessions begin at sign-in only

    @admin.display(description="State")
    def state(self, session: Session) -> str:
        if session.revoked_at is not None:
            return f"revoked ({session.get_revoked_reason_display()})"
        return "live" if session.is_live else "expired"

    @admin.action(description="Revoke selected sessions", permissions=["change"])
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        revoked = revoke(queryset, Session.RevokedReason.REVOKED_BY_ADMIN, request)
        self.message_user(request, f"{revoked} session(s) revoked.", messages.SUCCESS)
