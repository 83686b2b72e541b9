"""Every bad answer of the template contract is refused before anything is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import TEMPLATE_DIR, load_hook

pre_gen = load_hook("pre_gen_project")

DEFAULTS: dict[str, Any] = {
    "project_name": "My Secure API",
    "project_slug": "my_secure_api",
    "description": "An API.",
    "author_name": "Ada Lovelace",
    "api_path": "api",
    "mobile_auth": True,
    "mobile_auth_path": "auth/mobile",
    "web_auth": True,
    "web_auth_path": "auth/web",
    "access_token_lifetime_minutes": "15",
    "refresh_token_lifetime_days": "30",
    "refresh_token_rotation": True,
    "jwt_algorithm": "RS256",
    "login_field": "username",
    "demo_page": True,
    "database": "sqlite",
    "key_storage": "local",
}

# (variable, bad value, other answers changed with it)
BAD_ANSWERS: list[tuple[str, Any, dict[str, Any]]] = [
    ("project_name", "", {}),
    ("project_name", "   ", {}),
    ("project_name", "Two\nLines", {}),
    ("project_name", "x" * 201, {}),
    ("project_slug", "", {}),
    ("project_slug", "my-api", {}),
    ("project_slug", "2fa_api", {}),
    ("project_slug", "My_API", {}),
    ("project_slug", "class", {}),
    ("project_slug", "match", {}),
    ("project_slug", "django", {}),
    ("project_slug", "ninja", {}),
    ("project_slug", "jwt", {}),
    ("project_slug", "test", {}),
    ("project_slug", "config", {}),
    ("project_slug", "ninja_simple_jwt", {}),
    ("project_slug", "json", {}),
    ("project_slug", "storages", {}),
    ("project_slug", "café", {}),
    ("project_slug", "__", {}),
    ("project_slug", "_9", {}),
    ("project_slug", "../evil", {}),
    ("description", "line\x00", {}),
    ("author_name", "tab\there", {}),
    ("api_path", "", {}),
    ("api_path", "/", {}),
    ("api_path", "a b", {}),
    ("api_path", "v1//api", {}),
    ("api_path", "../api", {}),
    ("api_path", "v1/./api", {}),
    ("api_path", "api?x=1", {}),
    ("api_path", "api#x", {}),
    ("api_path", "apí", {}),
    ("api_path", "admin", {}),
    ("api_path", "admin/api", {}),
    ("mobile_auth_path", "", {}),
    ("mobile_auth_path", "auth mobile", {}),
    ("mobile_auth_path", "auth/../x", {}),
    ("mobile_auth_path", "me", {}),
    ("mobile_auth_path", "docs", {}),
    ("web_auth_path", "", {}),
    ("web_auth_path", "auth/%2e%2e", {}),
    ("web_auth_path", "health", {}),
    ("web_auth_path", "auth/mobile", {}),
    ("web_auth_path", "auth", {}),
    ("web_auth_path", "auth/mobile/web", {}),
    ("web_auth_path", "/auth/mobile/", {}),
    ("mobile_auth", False, {"web_auth": False}),
    ("mobile_auth", "maybe", {}),
    ("access_token_lifetime_minutes", "0", {}),
    ("access_token_lifetime_minutes", "-5", {}),
    ("access_token_lifetime_minutes", "1.5", {}),
    ("access_token_lifetime_minutes", "fifteen", {}),
    ("access_token_lifetime_minutes", " 15", {}),
    ("access_token_lifetime_minutes", "99999999999999999999", {}),
    ("refresh_token_lifetime_days", "0", {}),
    ("refresh_token_lifetime_days", "", {}),
    ("refresh_token_lifetime_days", "1", {"access_token_lifetime_minutes": "1440"}),
    ("refresh_token_lifetime_days", "100000", {}),
    # Hostile input: look-alikes, shell metacharacters, traversal, huge values, reserved names.
    ("project_slug", "\u0430pi", {}),  # Cyrillic small a
    ("project_slug", "api\u200b", {}),  # zero-width space
    ("project_slug", "api;rm -rf ~", {}),
    ("project_slug", "$(reboot)", {}),
    ("project_slug", "`id`", {}),
    ("project_slug", "x" * 65, {}),
    ("project_slug", "__init__", {}),
    ("project_slug", "os", {}),
    ("project_slug", "tests", {}),
    ("project_name", "x" * 10_000, {}),
    ("project_name", "\u202eIPA", {}),  # right-to-left override: a control-like format char
    ("description", "two\rlines", {}),
    ("api_path", "\u0430pi", {}),
    ("api_path", "api/\x00", {}),
    ("api_path", "%2e%2e/x", {}),
    ("api_path", "api/../../etc", {}),
    ("api_path", "a" * 300 + "/" + "b", {}),
    ("api_path", "$(id)", {}),
    ("api_path", ".well-known", {}),
    ("mobile_auth_path", "auth\\mobile", {}),
    ("mobile_auth_path", "openapi.json", {}),
    ("web_auth_path", "account/web", {}),
    ("web_auth_path", "auth/mobile/../web", {}),
    ("access_token_lifetime_minutes", "\uff11\uff15", {}),  # full-width digits
    ("access_token_lifetime_minutes", "15; drop table", {}),
    ("jwt_algorithm", "HS256", {}),
    ("jwt_algorithm", "none", {}),
    ("jwt_algorithm", "rs256", {}),
    ("login_field", "phone", {}),
    ("login_field", "", {}),
    ("demo_page", "maybe", {}),
    ("refresh_token_rotation", "sometimes", {}),
    ("demo_page", None, {"web_auth": False}),
    ("api_path", "demo", {}),
    ("api_path", "/demo/v1", {}),
    ("database", "mysql", {}),
    ("key_storage", "gcs", {}),
]


@pytest.mark.parametrize(("variable", "value", "others"), BAD_ANSWERS)
def test_bad_answer_gives_one_line_naming_the_variable(
    variable: str, value: Any, others: dict[str, Any]
) -> None:
    answers = {**DEFAULTS, **others, variable: value}
    problems = pre_gen.validate(answers)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"Invalid answer for {variable}: {value!r}: ")
    assert "\n" not in problems[0]


GOOD_ANSWERS: list[dict[str, Any]] = [
    {},
    {"api_path": "/v1/api/", "mobile_auth_path": "/app-auth", "web_auth_path": "session/"},
    {"api_path": "v1.0~x", "mobile_auth_path": "auth-m_1", "web_auth_path": "auth-m_10"},
    {"web_auth": False, "web_auth_path": "anything at all"},
    {"mobile_auth": False, "web_auth_path": "auth/mobile"},
    {"project_name": 'Café "Quoted" \\ API', "description": "", "author_name": ""},
    {"access_token_lifetime_minutes": "1439", "refresh_token_lifetime_days": "1"},
    {"project_slug": "_private_api"},
    {"jwt_algorithm": "ES256", "login_field": "email"},
    {"jwt_algorithm": "EdDSA"},
    # The demo page needs the web router: without it, the default "yes" is ignored.
    {"web_auth": False, "demo_page": True},
    {"api_path": "demo", "demo_page": False},
    {"api_path": "demo", "web_auth": False},
    {"api_path": "demos/v1"},
]


@pytest.mark.parametrize("changes", GOOD_ANSWERS)
def test_good_answers_pass(changes: dict[str, Any]) -> None:
    assert pre_gen.validate({**DEFAULTS, **changes}) == []


def cookiecutter_cli(output_dir: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE_DIR)]
    command += ["--output-dir", str(output_dir), *overrides]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ("api_path=a b", "api_path"),
        ("project_slug=import", "project_slug"),
        ("web_auth_path=auth/mobile/x", "web_auth_path"),
        ("refresh_token_lifetime_days=0", "refresh_token_lifetime_days"),
        ("project_name=Bad \"'; rm -rf / #\n", "project_name"),
    ],
)
def test_cookiecutter_refuses_and_leaves_nothing(
    tmp_path: Path, override: str, variable: str
) -> None:
    result = cookiecutter_cli(tmp_path, override)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if line.startswith("ERROR: Invalid answer")]
    assert len(errors) == 1, output
    assert errors[0].startswith(f"ERROR: Invalid answer for {variable}:")
    # Neither the hook nor cookiecutter (see local_extensions.py) shows a traceback.
    assert "Traceback" not in output, output
    assert list(tmp_path.iterdir()) == []


def test_both_routers_off_is_refused_by_the_cli(tmp_path: Path) -> None:
    result = cookiecutter_cli(tmp_path, "mobile_auth=no", "web_auth=no")
    assert result.returncode != 0
    assert "at least one of mobile_auth and web_auth" in result.stderr
    assert list(tmp_path.iterdir()) == []
