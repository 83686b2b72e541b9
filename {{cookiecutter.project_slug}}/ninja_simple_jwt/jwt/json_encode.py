"""The JSON encoder of token claims (the library's import path, named in its README)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

__all__ = ["TokenUserEncoder"]


class TokenUserEncoder(DjangoJSONEncoder):
    """Dates, times, decimals, lazy strings (Django's encoder) and UUIDs.

    Subclass it and name the subclass in ``TOKEN_USER_ENCODER_CLS`` to serialise more types.
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, uuid.UUID):
            return str(o)
        return super().default(o)
