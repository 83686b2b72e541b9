"""``HttpJwtAuth`` and the ``TokenUser`` it puts on the request (``authentication.py``).

A protected request is served from the token alone: django-ninja reads ``Bearer <token>`` and
anything else in the token's place fails verification, the claims become a ``TokenUser``
without a database query, and whatever user the session middleware attached is replaced, never
changed. Which tokens are valid is ``test_tokens.py``'s subject; the endpoints over HTTP are
``test_api.py``'s.
"""

import asyncio
import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from ninja_simple_jwt.authentication import HttpJwtAuth, TokenUser
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.tests.conftest import LOGIN, PASSWORD, bearer, create_user, url
from ninja_simple_jwt.tokens import verify_token

# --- HttpJwtAuth ---


def basic_credentials() -> str:
    return base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()


@pytest.mark.parametrize(
    ("make_header", "accepted"),
    [
        pytest.param(lambda token: None, False, id="missing"),
        pytest.param(lambda token: "Bearer", False, id="bearer-alone"),
        pytest.param(lambda token: "Bearer ", False, id="bearer-and-space"),
        pytest.param(lambda token: f"Basic {basic_credentials()}", False, id="basic-credentials"),
        pytest.param(lambda token: f"Token {token}", False, id="other-scheme-valid-token"),
        pytest.param(lambda token: token, False, id="token-without-scheme"),
        pytest.param(lambda token: f"Bearer {token} {token}", False, id="two-tokens"),
        pytest.param(lambda token: f"Bearer {token}, Bearer {token}", False, id="two-credentials"),
        pytest.param(lambda token: f"Bearer  {token}", False, id="two-spaces"),
        pytest.param(lambda token: f"Bearer\t{token}", False, id="tab-separator"),
        pytest.param(lambda token: f"Bearer {token}", True, id="bearer"),
        pytest.param(lambda token: f"bearer {token}", True, id="lower-case-scheme"),
        pytest.param(lambda token: f"BEARER {token}", True, id="upper-case-scheme"),
    ],
)
def test_authorization_header_variants(
    rf: RequestFactory,
    user: Any,
    access_token: str,
    make_header: Callable[[str], str | None],
    accepted: bool,
) -> None:
    """SECURITY.md 13: exactly ``Bearer <token>``, the scheme in any case (RFC 7235)."""
    header = make_header(access_token)
    request = rf.get("/", headers={} if header is None else {"Authorization": header})
    claims = HttpJwtAuth()(request)
    if accepted:
        assert claims is not None
        assert claims["user_id"] == user.pk
    else:
        assert claims is None


def test_a_protected_request_makes_no_database_query(
    client: Client, user: Any, access_token: str, django_assert_num_queries: Any
) -> None:
    """Stateless: ``request.auth`` is the verified claims, ``request.user`` a ``TokenUser``."""
    with django_assert_num_queries(0):
        response = client.get(url("whoami"), headers=bearer(access_token))
    assert response.status_code == 200
    assert response.json() == {
        "claims": verify_token(access_token, "access"),
        "user_class": "TokenUser",
        "user_pk": user.pk,
        "username": LOGIN,
    }


def test_the_session_user_is_replaced_never_changed(
    rf: RequestFactory, user: Any, access_token: str
) -> None:
    """Overwriting the session's user object with the token's claims would change that user
    for the rest of the request (and, saved, in the database)."""
    session_user = create_user("bob@example.com")
    before = {name: value for name, value in vars(session_user).items() if name != "_state"}
    refused = rf.get("/", headers=bearer("garbage"))
    refused.user = session_user
    assert HttpJwtAuth()(refused) is None
    assert refused.user is session_user  # a refused token changes nothing

    request = rf.get("/", headers=bearer(access_token))
    request.user = session_user
    assert HttpJwtAuth()(request) is not None
    token_user = request.user
    assert isinstance(token_user, TokenUser)
    assert token_user.pk == user.pk
    assert asyncio.run(request.auser()) is token_user
    after = {name: value for name, value in vars(session_user).items() if name != "_state"}
    assert after == before


# --- TokenUser ---


def test_claims_become_attributes_as_the_map_says(change_settings: Any) -> None:
    """A string names the attribute; a callable's claim is the attribute named after it."""
    change_settings(
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={
            "user_id": "id",
            "mail": "email",
            "domain": lambda user: "computed when minting, read from the token here",
            "is_staff": "is_staff",
            "username": "username",
        }
    )
    claims = {
        "user_id": 7,
        "mail": LOGIN,
        "domain": "example.com",
        "is_staff": True,
        "unmapped": "x",
    }
    token_user = TokenUser(claims)
    assert token_user.email == LOGIN  # type: ignore[attr-defined]
    assert not hasattr(token_user, "mail")
    assert token_user.domain == "example.com"  # type: ignore[attr-defined]
    assert token_user.is_staff is True
    assert not hasattr(token_user, "unmapped")
    assert token_user.username == ""  # mapped but not in the token: the default
    # Every claim, read-only.
    assert token_user.claims == claims
    with pytest.raises(TypeError):
        token_user.claims["user_id"] = 8  # type: ignore[index]


def test_a_claim_never_replaces_the_token_users_own_names(change_settings: Any) -> None:
    """A claim (or a map entry) named like a property or method, or private, is ignored."""
    names = ["pk", "is_authenticated", "is_active", "has_perm", "save", "claims", "get_username"]
    change_settings(
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={
            "user_id": "id",
            **{name: name for name in names},
            "secret": "_claims",
            "hidden": "_hidden",
        }
    )
    claims: dict[str, Any] = {name: "from the token" for name in [*names, "secret", "hidden"]}
    token_user = TokenUser({**claims, "user_id": 7})
    assert token_user.pk == 7
    assert token_user.is_authenticated is True
    assert token_user.is_active is True
    assert token_user.has_perm("any.permission") is False
    assert token_user.claims["save"] == "from the token"
    assert callable(token_user.save)
    assert callable(token_user.get_username)
    assert not hasattr(token_user, "_hidden")


def test_identity_comes_from_the_user_id_claim(change_settings: Any) -> None:
    login_field = get_jwt_settings().USERNAME_FIELD
    change_settings(TOKEN_CLAIM_USER_ATTRIBUTE_MAP={"user_id": "id", login_field: login_field})
    token_user = TokenUser({"user_id": 42, login_field: LOGIN})
    assert token_user.pk == token_user.id == 42
    assert token_user.is_authenticated is True
    assert token_user.is_anonymous is False
    assert token_user.get_username() == str(token_user) == LOGIN
    assert str(TokenUser({"user_id": 42})) == "TokenUser 42"


@pytest.mark.parametrize(
    ("claims", "permitted"),
    [
        pytest.param({}, False, id="no-claim"),
        pytest.param({"is_staff": True}, False, id="staff"),
        pytest.param({"is_superuser": "true"}, False, id="superuser-string"),
        pytest.param({"is_superuser": True}, True, id="superuser"),
    ],
)
def test_permissions_only_for_a_superuser_claim(
    change_settings: Any, claims: dict[str, Any], permitted: bool
) -> None:
    """A token carries no permissions; a superuser has them all, as in Django."""
    change_settings(
        TOKEN_CLAIM_USER_ATTRIBUTE_MAP={
            "user_id": "id",
            "is_staff": "is_staff",
            "is_superuser": "is_superuser",
        }
    )
    token_user = TokenUser({"user_id": 1, **claims})
    assert token_user.has_perm("orders.view_order") is permitted
    assert token_user.has_perms(["orders.view_order"]) is permitted
    assert token_user.has_module_perms("orders") is permitted


def test_save_and_delete_are_refused() -> None:
    """A ``TokenUser`` is no row: code that would write one must load the user model."""
    token_user = TokenUser({"user_id": 1})
    with pytest.raises(NotImplementedError, match="load the user model"):
        token_user.save()
    with pytest.raises(NotImplementedError, match="load the user model"):
        token_user.delete()


def test_token_users_are_equal_by_user_id(user: Any) -> None:
    first, again, other = (TokenUser({"user_id": user_id}) for user_id in (1, 1, 2))
    assert first == again
    assert hash(first) == hash(again)
    assert len({first, again, other}) == 2
    assert first != other
    assert TokenUser({"user_id": user.pk}) != user  # not a database user
