"""Schema-driven fuzzing of a baked project's API with schemathesis, over HTTP to a real server.

The schema is the one the running server publishes at ``/<api>/openapi.json``. Every operation,
the auth endpoints included, gets generated requests without credentials and with a valid
bearer token (and the web router's refresh cookie). Every answer must be no 5xx, with a status
code the schema documents, a content type it declares and a body matching it. Sign-in throttling
stays on: its 429 is part of the published schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import (
    NON_DEFAULT_PATHS,
    Client,
    bake,
    create_users_command,
    project_env,
    run,
    start_server,
    stop,
)
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz")]

USERNAME, PASSWORD = "fuzz", "correct horse battery staple"
API = f"/{NON_DEFAULT_PATHS['api_path']}"
MOBILE = f"{API}/{NON_DEFAULT_PATHS['mobile_auth_path']}"
WEB = f"{API}/{NON_DEFAULT_PATHS['web_auth_path']}"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Bounded: a few examples per operation and credential set, no per-example deadline on a busy box.
EXAMPLES_PER_OPERATION = 12
REQUEST_TIMEOUT = 20


@dataclass
class FuzzTarget:
    base_url: str
    schema: Any
    access: str
    refresh: str


@pytest.fixture(scope="module")
def target(cookies_session: Any, project_python: str) -> Iterator[FuzzTarget]:
    project = bake(cookies_session, **NON_DEFAULT_PATHS)
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings.local")
    manage = [project_python, "manage.py"]
    run([*manage, "migrate", "--verbosity", "0"], project, env=env)
    run([*manage, *create_users_command(PASSWORD, USERNAME)], project, env=env)
    process, port = start_server(project, project_python, env)
    try:
        base_url = f"http://127.0.0.1:{port}"
        # Signed in before fuzzing spends the sign-in budget (throttling stays on).
        credentials = {"username": USERNAME, "password": PASSWORD}
        status, _, tokens = Client(port).request("POST", f"{MOBILE}/sign-in", credentials)
        assert status == 200, tokens
        schema = schemathesis.openapi.from_url(
            f"{base_url}{API}/openapi.json", timeout=REQUEST_TIMEOUT
        )
        yield FuzzTarget(base_url, schema, tokens["access"], tokens["refresh"])
    finally:
        stop(process)


def operations(target: FuzzTarget) -> list[Any]:
    found = [result.ok() for result in target.schema.get_all_operations()]
    assert found, "the published schema has no operations"
    return found


def fuzz(
    target: FuzzTarget, operation: Any, mode: str, headers: dict[str, str], cookies: dict[str, str]
) -> None:
    """Send generated requests to one operation; every answer must match the schema."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(GenerationMode(mode)))
    def send(case: Any) -> None:
        response = case.call(
            base_url=target.base_url, headers=headers, cookies=cookies, timeout=REQUEST_TIMEOUT
        )
        case.validate_response(response, checks=CHECKS, headers=headers)

    send()


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("credentials", ["anonymous", "bearer"])
def test_every_operation_answers_as_its_schema_says(
    target: FuzzTarget, credentials: str, mode: str
) -> None:
    fuzzed = []
    for operation in operations(target):
        headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        if credentials == "bearer":
            headers["Authorization"] = f"Bearer {target.access}"
            if operation.path.startswith(f"{WEB}/"):
                cookies["refresh"] = target.refresh
        try:
            fuzz(target, operation, mode, headers, cookies)
        except Unsatisfiable:
            # No input to get wrong (no body, no parameters): nothing negative to send.
            assert mode == "negative", operation.label
            continue
        fuzzed.append(operation.label)
    # The auth endpoints were fuzzed in both modes, and every operation with valid input.
    for path in (f"{MOBILE}/sign-in", f"{MOBILE}/token-refresh", f"{WEB}/sign-in"):
        assert f"POST {path}" in fuzzed, fuzzed
    if mode == "positive":
        assert len(fuzzed) == len(operations(target)), fuzzed
