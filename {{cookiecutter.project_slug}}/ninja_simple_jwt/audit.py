"""The audit trail: one line per security event on the ``ninja_simple_jwt.audit`` logger.

Each line names the event, the user id, the session id and the client's address; never a token
or a password. The project's logging settings decide where the lines go.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Final

from django.http import HttpRequest
from ninja.throttling import BaseThrottle
from ninja_simple_jwt.models import Session

__all__ = ["AUDIT_LOGGER", "audit", "client_address"]

AUDIT_LOGGER: Final = "ninja_simple_jwt.audit"
_logger = logging.getLogger(AUDIT_LOGGER)
_client_ident = BaseThrottle()  # django-ninja's rule for the client's address (NINJA_NUM_PROXIES)


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address as django-ninja's throttles see it, or None if not an address."""
    ident = "" if request is None else _client_ident.get_ident(request) or ""
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except ValueError:
        return None


def audit(
    event: str,
    request: HttpRequest | None = None,
    *,
    session: Session | None = None,
    user_id: object = None,
    level: int = logging.INFO,
) -> None:
    """Log ``event`` of ``session`` (if any; else of the user ``user_id``, if known), as the
    client of ``request``."""
    fields = {
        "event": event,
        "user_id": user_id if session is None else session.user_id,
        "session_id": None if session is None else session.public_id,
        "client_address": client_address(request),
    }
    message = "%s user=%s session=%s address=%s"
    _logger.log(level, message, *fields.values(), extra={"audit": fields})
