"""``HttpJwtAuth``, which protects django-ninja operations, and the ``TokenUser`` it signs in."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, NoReturn

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.sessions import live_session
from ninja_simple_jwt.tokens import TokenTypes, verify_token

__all__ = ["HttpJwtAuth", "TokenUser"]


class TokenUser:
    """An authenticated user built from verified claims, without a database query.

    ``pk`` and ``id`` come from the ``user_id`` claim. For each ``TOKEN_CLAIM_USER_ATTRIBUTE_MAP``
    entry, a string mapping (``"username": "username"``) sets the attribute of that name to the
    claim's value; a callable mapping sets the attribute named after the claim. Claims never
    replace this class's own properties and methods. A token carries no permissions: ``has_perm``
    is true only for a superuser claim, as Django's own check is for an active superuser.
    """

    # Defaults a claim may override.
    is_staff: bool = False
    is_superuser: bool = False
    username: str = ""
    _PROTECTED_NAMES: ClassVar[frozenset[str]]

    def __init__(self, claims: Mapping[str, Any]) -> None:
        self._claims: Mapping[str, Any] = MappingProxyType(dict(claims))
        for claim, source in get_jwt_settings().TOKEN_CLAIM_USER_ATTRIBUTE_MAP.items():
            attribute = source if isinstance(source, str) else claim
            public = attribute not in self._PROTECTED_NAMES and not attribute.startswith("_")
            if claim in self._claims and public:
                setattr(self, attribute, self._claims[claim])

    @property
    def claims(self) -> Mapping[str, Any]:
        """Every verified claim of the token (read-only)."""
        return self._claims

    @property
    def pk(self) -> Any:
        return self._claims.get("user_id")

    id = pk

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return True  # tokens are only minted and refreshed for active users

    def get_username(self) -> str:
        """The sign-in name: the claim mapped to the ``USERNAME_FIELD`` setting."""
        field = get_jwt_settings().USERNAME_FIELD
        value = None if field.startswith("_") else getattr(self, field, None)
        return str(self.username if value is None or callable(value) else value)

    def has_perm(self, perm: Any, obj: object = None) -> bool:
        return self.is_superuser is True

    has_perms = has_module_perms = has_perm  # a perm list, an app label: the same answer

    def save(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError("A TokenUser is no row: load the user model to write one.")

    delete = save

    def __str__(self) -> str:
        return self.get_username() or f"TokenUser {self.pk}"

    def __repr__(self) -> str:
        return f"<TokenUser pk={self.pk!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and self.pk == other.pk

    def __hash__(self) -> int:
        return hash((TokenUser, self.pk))


TokenUser._PROTECTED_NAMES = frozenset(
    name
    for klass in TokenUser.__mro__
    for name, value in vars(klass).items()
    if isinstance(value, property) or callable(value)
) | {"claims", "_claims"}


class HttpJwtAuth(HttpBearer):
    """``Authorization: Bearer <access token>``, verified without a database query.

    ``authenticate`` returns the verified claims (``request.auth``) or ``None`` (django-ninja
    answers 401), and sets ``request.user`` to a ``TOKEN_USER_CLS`` built from the claims. With
    ``USE_STATELESS_AUTH = False`` it loads the token's session and user (one query): a revoked
    session, an inactive user or a changed password is a 401 at once, and ``request.user`` is
    the user model's instance.
    """

    def authenticate(self, request: HttpRequest, token: str) -> dict[str, Any] | None:
        try:
            claims = verify_token(token, TokenTypes.ACCESS)
        except InvalidTokenError:
            return None
        user: Any
        jwt_settings = get_jwt_settings()
        if jwt_settings.USE_STATELESS_AUTH:
            user = jwt_settings.TOKEN_USER_CLS(claims)
        else:
            session = live_session(claims["sid"])
            if session is None:
                return None
            user = session.user
        # Replace, never mutate, whatever user the session middleware attached.
        request.user = user

        async def token_user() -> Any:
            return user

        request.auser = token_user
        return claims
