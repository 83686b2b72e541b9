"""Refuse bad answers before any file is written.

Cookiecutter renders this file with Jinja and runs it in the new project folder. Jinja appears
only inside the string literal below, so the module can also be imported and unit-tested as
it is. Every problem is reported on one line naming the variable, the value and the rule; a
non-zero exit makes cookiecutter delete the half-made folder.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata
from collections.abc import Mapping
from typing import Any

# The answers, as JSON. tojson escapes quotes, so no answer can end this literal early.
RENDERED_ANSWERS = r"""{{ cookiecutter | tojson }}"""

URL_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
PACKAGE_NAME = re.compile(r"_*[a-z][a-z0-9_]*")
POSITIVE_INTEGER = re.compile(r"[1-9][0-9]*")

# Packages the generated project imports or ships: a project package of that name would shadow it.
SHADOWED_NAMES = frozenset(
    {
        "boto3",
        "botocore",
        "config",
        "cryptography",
        "django",
        "environ",
        "jwt",
        "ninja",
        "ninja_simple_jwt",
        "pydantic",
        "pytest",
        "pytest_django",
        "setuptools",
        "storages",
        "test",
        "tests",
        "typing_extensions",
        "users",
    }
)

# First segments that the project itself mounts or that the API serves at its root.
RESERVED_API_ROOTS = frozenset({"admin", "static", ".well-known"})
RESERVED_ROUTER_ROOTS = frozenset({"me", "health", "docs", "openapi.json", "account"})

CHOICES = {
    "jwt_algorithm": ("RS256", "ES256", "EdDSA"),
    "login_field": ("username", "email"),
    "database": ("sqlite", "postgresql"),
    "key_storage": ("local", "s3", "env"),
}

MAX_ACCESS_MINUTES = 24 * 60
MAX_REFRESH_DAYS = 3650
MAX_TEXT_LENGTH = 200
MAX_PATH_LENGTH = 100


def problem(variable: str, value: object, rule: str) -> str:
    """One line naming the variable, the value and the rule it breaks."""
    return f"Invalid answer for {variable}: {value!r}: {rule}."


def has_control_characters(text: str) -> bool:
    """Control and invisible formatting characters (line breaks, bidi overrides, zero widths)."""
    return any(unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"} for character in text)


def check_text(variable: str, value: object, *, required: bool) -> list[str]:
    if not isinstance(value, str):
        return [problem(variable, value, "must be text")]
    if has_control_characters(value):
        return [problem(variable, value, "must be a single line without control characters")]
    if required and not value.strip():
        return [problem(variable, value, "must not be empty")]
    if len(value) > MAX_TEXT_LENGTH:
        return [problem(variable, value, f"must be at most {MAX_TEXT_LENGTH} characters")]
    return []


def check_slug(value: object) -> list[str]:
    variable = "project_slug"
    if not isinstance(value, str) or not PACKAGE_NAME.fullmatch(value):
        return [
            problem(
                variable,
                value,
                "must be a Python package name: lower-case ASCII letters, digits and '_', "
                "starting with a letter (after any leading '_')",
            )
        ]
    if value.startswith("__"):
        return [problem(variable, value, "must not start with '__' (Python keeps those names)")]
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return [problem(variable, value, "must not be a Python keyword")]
    if value in SHADOWED_NAMES or value in sys.stdlib_module_names:
        return [
            problem(
                variable, value, "would shadow a module the project imports; choose another name"
            )
        ]
    if len(value) > 64:
        return [problem(variable, value, "must be at most 64 characters")]
    return []


def normalise_path(value: str) -> str:
    """Slashes at either end are ignored."""
    return value.strip("/")


def path_segments(variable: str, value: object) -> tuple[list[str], list[str]]:
    """Split a URL path answer into segments; return (segments, problems)."""
    rule = (
        "must be one or more URL segments of letters, digits, '-', '_', '.', '~' "
        "separated by '/', with no empty, '.' or '..' segment"
    )
    if not isinstance(value, str):
        return [], [problem(variable, value, rule)]
    if len(value) > MAX_PATH_LENGTH:
        return [], [problem(variable, value, f"must be at most {MAX_PATH_LENGTH} characters")]
    segments = normalise_path(value).split("/")
    for segment in segments:
        if not URL_SEGMENT.fullmatch(segment) or segment in {".", ".."}:
            return [], [problem(variable, value, rule)]
    return segments, []


def is_prefix(shorter: list[str], longer: list[str]) -> bool:
    return longer[: len(shorter)] == shorter


def check_router_paths(answers: Mapping[str, Any]) -> list[str]:
    chosen: dict[str, list[str]] = {}
    problems: list[str] = []
    for router in ("mobile_auth", "web_auth"):
        enabled = answers.get(router)
        if not isinstance(enabled, bool):
            problems.append(problem(router, enabled, "must be yes or no"))
            continue
        if not enabled:
            continue
        variable = f"{router}_path"
        segments, errors = path_segments(variable, answers.get(variable))
        problems.extend(errors)
        if segments and segments[0] in RESERVED_ROUTER_ROOTS:
            problems.append(
                problem(
                    variable,
                    answers.get(variable),
                    "must not start with a path the API already serves "
                    f"({', '.join(sorted(RESERVED_ROUTER_ROOTS))})",
                )
            )
        elif segments:
            chosen[variable] = segments
    if problems:
        return problems
    if not chosen:
        return [
            problem(
                "mobile_auth",
                answers.get("mobile_auth"),
                "at least one of mobile_auth and web_auth must be yes",
            )
        ]
    if len(chosen) == 2:
        mobile, web = chosen["mobile_auth_path"], chosen["web_auth_path"]
        if is_prefix(mobile, web) or is_prefix(web, mobile):
            return [
                problem(
                    "web_auth_path",
                    answers.get("web_auth_path"),
                    f"must differ from mobile_auth_path {answers.get('mobile_auth_path')!r} "
                    "and neither may be a prefix of the other (the refresh cookie would "
                    "reach the mobile endpoints)",
                )
            ]
    return []


def check_api_path(value: object) -> list[str]:
    segments, problems = path_segments("api_path", value)
    if segments and segments[0] in RESERVED_API_ROOTS:
        problems.append(
            problem(
                "api_path",
                value,
                "must not start with a path the project already serves "
                f"({', '.join(sorted(RESERVED_API_ROOTS))})",
            )
        )
    return problems


def parse_positive_integer(
    variable: str, value: object, maximum: int
) -> tuple[int | None, list[str]]:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None or not POSITIVE_INTEGER.fullmatch(text):
        return None, [problem(variable, value, "must be a positive whole number")]
    number = int(text)
    if number > maximum:
        return None, [problem(variable, value, f"must be at most {maximum}")]
    return number, []


def check_lifetimes(answers: Mapping[str, Any]) -> list[str]:
    access, problems = parse_positive_integer(
        "access_token_lifetime_minutes",
        answers.get("access_token_lifetime_minutes"),
        MAX_ACCESS_MINUTES,
    )
    refresh, refresh_problems = parse_positive_integer(
        "refresh_token_lifetime_days",
        answers.get("refresh_token_lifetime_days"),
        MAX_REFRESH_DAYS,
    )
    problems += refresh_problems
    if access is not None and refresh is not None and refresh * 24 * 60 <= access:
        problems.append(
            problem(
                "refresh_token_lifetime_days",
                answers.get("refresh_token_lifetime_days"),
                f"the refresh lifetime must exceed the access lifetime ({access} minutes)",
            )
        )
    return problems


def check_choices(answers: Mapping[str, Any]) -> list[str]:
    # cookiecutter refuses other values of a choice itself; this covers every other caller.
    return [
        problem(variable, answers.get(variable), f"must be one of {', '.join(choices)}")
        for variable, choices in CHOICES.items()
        if answers.get(variable) not in choices
    ]


# Where the demo page is served (config/urls.py); the API may not start there.
DEMO_PAGE_ROOT = "demo"


def check_demo_page(answers: Mapping[str, Any]) -> list[str]:
    """The demo page signs in through the web router: without it, the answer is ignored."""
    demo_page = answers.get("demo_page")
    if not isinstance(demo_page, bool):
        return [problem("demo_page", demo_page, "must be yes or no")]
    if not demo_page or answers.get("web_auth") is not True:
        return []
    api_path = answers.get("api_path")
    if isinstance(api_path, str) and normalise_path(api_path).split("/")[0] == DEMO_PAGE_ROOT:
        return [
            problem(
                "api_path",
                api_path,
                f"must not start with {DEMO_PAGE_ROOT!r} while demo_page is yes "
                f"(the demo page is served at /{DEMO_PAGE_ROOT}/)",
            )
        ]
    return []


def check_yes_no(answers: Mapping[str, Any], variable: str) -> list[str]:
    value = answers.get(variable)
    return [] if isinstance(value, bool) else [problem(variable, value, "must be yes or no")]


def validate(answers: Mapping[str, Any]) -> list[str]:
    """Return one line per problem in the answers; an empty list means they are all valid."""
    return [
        *check_text("project_name", answers.get("project_name"), required=True),
        *check_slug(answers.get("project_slug")),
        *check_text("description", answers.get("description"), required=False),
        *check_text("author_name", answers.get("author_name"), required=False),
        *check_api_path(answers.get("api_path")),
        *check_router_paths(answers),
        *check_demo_page(answers),
        *check_lifetimes(answers),
        *check_yes_no(answers, "refresh_token_rotation"),
        *check_choices(answers),
    ]


def main() -> int:
    problems = validate(json.loads(RENDERED_ANSWERS))
    for line in problems:
        print(f"ERROR: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
