"""The example resources and the OpenAPI docs."""

import asyncio
from typing import Any

import jwt
import pytest
from django.test import AsyncClient, Client

from tests.conftest import LOGIN, LOGIN_CLAIM, bearer, url


def test_health_is_open(client: Client) -> None:
    response = client.get(url("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_me_returns_the_callers_claims(client: Client, user: Any, access_token: str) -> None:
    response = client.get(url("me"), headers=bearer(access_token))
    assert response.status_code == 200
    claims = response.json()
    assert claims == jwt.decode(access_token, options={"verify_signature": False})
    assert claims["user_id"] == user.pk
    assert claims[LOGIN_CLAIM] == LOGIN
    assert claims["token_type"] == "access"


@pytest.fixture(params=[True, False], ids=["stateless", "stateful"])
def queries_per_request(request: pytest.FixtureRequest, settings: Any) -> int:
    """Each auth mode, and what it costs: stateless (the default) makes no query; otherwise
    one, for the session and user."""
    stateless: bool = request.param
    settings.NINJA_SIMPLE_JWT = {**settings.NINJA_SIMPLE_JWT, "USE_STATELESS_AUTH": stateless}
    return 0 if stateless else 1


def test_me_works_in_both_auth_modes(
    client: Client, access_token: str, django_assert_num_queries: Any, queries_per_request: int
) -> None:
    with django_assert_num_queries(queries_per_request):
        response = client.get(url("me"), headers=bearer(access_token))
    assert response.status_code == 200
    assert response.json()["sid"]


@pytest.mark.django_db
def test_me_without_a_token_is_401_json(client: Client) -> None:
    response = client.get(url("me"))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Unauthorized"}


def test_async_me_answers_the_token_user(
    client: Client,
    user: Any,
    access_token: str,
    django_assert_num_queries: Any,
    queries_per_request: int,
) -> None:
    """The async operation, through the test client's sync adapters: HttpJwtAuth as for /me."""
    with django_assert_num_queries(queries_per_request):
        response = client.get(url("me_async"), headers=bearer(access_token))
    assert response.status_code == 200, response.content
    assert response.json() == {"id": user.pk, "username": LOGIN}


@pytest.mark.django_db
def test_async_me_without_a_token_is_401_json(client: Client) -> None:
    for headers in ({}, bearer("not-a-token")):
        response = client.get(url("me_async"), headers=headers)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "Unauthorized"}


def test_async_me_under_the_async_client(user: Any, access_token: str) -> None:
    """Through Django's ASGI handler, on an event loop, as an ASGI server runs it."""

    async def call(headers: dict[str, str]) -> Any:
        return await AsyncClient().get(url("me_async"), headers=headers)

    response = asyncio.run(call(bearer(access_token)))
    assert response.status_code == 200, response.content
    assert response.json() == {"id": user.pk, "username": LOGIN}
    refused = asyncio.run(call({}))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Unauthorized"}


def test_docs_page_is_served(client: Client) -> None:
    response = client.get("/{{ cookiecutter.api_path.strip('/') }}/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_openapi_schema_shows_the_bearer_scheme(client: Client) -> None:
    response = client.get("/{{ cookiecutter.api_path.strip('/') }}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == {{ cookiecutter.project_name | python_string }}
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {"HttpJwtAuth": {"type": "http", "scheme": "bearer"}}
    me = schema["paths"]["/{{ cookiecutter.api_path.strip('/') }}/me"]["get"]
    assert me["security"] == [{"HttpJwtAuth": []}]
    me_async = schema["paths"]["/{{ cookiecutter.api_path.strip('/') }}/me/async"]["get"]
    assert me_async["security"] == [{"HttpJwtAuth": []}]
    caller = me_async["responses"]["200"]["content"]["application/json"]["schema"]
    assert caller == {"$ref": "#/components/schemas/Caller"}
    assert set(schema["components"]["schemas"]["Caller"]["properties"]) == {"id", "username"}
    health = schema["paths"]["/{{ cookiecutter.api_path.strip('/') }}/health"]["get"]
    assert "security" not in health


def test_admin_lists_users(admin_client: Client, user: Any) -> None:
    response = admin_client.get("/admin/users/user/")
    assert response.status_code == 200
    assert LOGIN.encode() in response.content
