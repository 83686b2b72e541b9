"""JSON encoder for token claims taken from user attributes."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

__all__ = ["TokenUserEncoder"]


class TokenUserEncoder(DjangoJSONEncoder):
    """Serialises claim values: dates, times, decimals, lazy strings (Django's encoder) and UUIDs.

    Subclass it and name the subclass in ``TOKEN_USER_ENCODER_CLS`` to serialise more types.
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, uuid.UUID):
            return str(o)
        return super().default(o)
