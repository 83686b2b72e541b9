"""The stateless user that ``HttpJwtAuth`` puts on ``request.user``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NoReturn

from ninja_simple_jwt.settings import get_jwt_settings

__all__ = ["TokenUser"]


class TokenUser:
    """An authenticated user built from verified token claims, without touching the database.

    ``pk`` and ``id`` come from the ``user_id`` claim. For each ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP``
    entry, a string mapping (``"username": "username"``) sets the attribute of that name to the
    claim's value; a callable mapping (``"full_name": lambda user: ...``) sets the attribute named
    after the claim. Claims never replace this class's own properties or methods. All claims are
    in ``claims``. There is no permission data in a token: ``has_perm`` is true only for a
    superuser claim, like Django's own check for an active superuser.
    """

    # Defaults a claim may override (a token minted with them carries the real values).
    is_staff: bool = False
    is_superuser: bool = False
    username: str = ""

    _PROTECTED_NAMES: ClassVar[frozenset[str]]

    def __init__(self, claims: Mapping[str, Any]) -> None:
        self._claims: Mapping[str, Any] = MappingProxyType(dict(claims))
        for claim, source in get_jwt_settings().TOKEN_CLAIM_USER_ATTRIBUTE_MAP.items():
            attribute = source if isinstance(source, str) else claim
            if (
                claim in self._claims
                and attribute not in self._PROTECTED_NAMES
                and not attribute.startswith("_")
            ):
                setattr(self, attribute, self._claims[claim])

    @property
    def claims(self) -> Mapping[str, Any]:
        """Every verified claim of the token (read-only)."""
        return self._claims

    @property
    def pk(self) -> Any:
        return self._claims.get("user_id")

    @property
    def id(self) -> Any:
        return self._claims.get("user_id")

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        # Tokens are only minted (and refreshed) for active users.
        return True

    def get_username(self) -> str:
        """The sign-in name: the claim mapped to the USERNAME_FIELD setting (e.g. ``email``)."""
        field = get_jwt_settings().USERNAME_FIELD
        value = None if field.startswith("_") else getattr(self, field, None)
        if value is None or callable(value):
            value = self.username
        return str(value)

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_superuser is True

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return self.is_superuser is True

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_superuser is True

    def save(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            "TokenUser is built from a token; load the user model to change data."
        )

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(
            "TokenUser is built from a token; load the user model to change data."
        )

    def __str__(self) -> str:
        return self.get_username() or f"TokenUser {self.pk}"

    def __repr__(self) -> str:
        return f"<TokenUser pk={self.pk!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and self.pk == other.pk

    def __hash__(self) -> int:
        return hash((TokenUser, self.pk))


# Every property and method defined above; data defaults (is_staff, ...) stay overridable.
TokenUser._PROTECTED_NAMES = frozenset(
    name
    for klass in TokenUser.__mro__
    for name, value in vars(klass).items()
    if isinstance(value, property) or callable(value) or name in {"claims", "_claims"}
)
