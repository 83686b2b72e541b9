"""Bake the template over a matrix of answers and check each project as its new owner would."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import secrets
import stat
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    NON_DEFAULT_PATHS,
    TEMPLATE_DIR,
    VENDORED_APP,
    assert_key_pair,
    bake,
    production_env,
    project_env,
    run,
)
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from services import postgres, redis, s3  # noqa: F401  (fixtures)

# Each combination: an id and the answers that differ from the defaults.
COMBINATIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "non_default_paths": NON_DEFAULT_PATHS,
    "mobile_only_es256_env_no_rotation": {
        "web_auth": False,
        "api_path": "api/v2",
        "jwt_algorithm": "ES256",
        "key_storage": "env",
        "refresh_token_rotation": False,
    },
    "web_only_eddsa_email": {
        "mobile_auth": False,
        "web_auth_path": "session",
        "jwt_algorithm": "EdDSA",
        "login_field": "email",
    },
    "email_es256_postgresql": {
        "login_field": "email",
        "jwt_algorithm": "ES256",
        "database": "postgresql",
    },
    "postgresql_s3_eddsa": {
        "jwt_algorithm": "EdDSA",
        "database": "postgresql",
        "key_storage": "s3",
    },
    "nested_slash_wrapped": {
        "api_path": "/v1/api/",
        "mobile_auth_path": "/clients/mobile/",
        "web_auth_path": "browser/session/",
        "demo_page": False,
    },
    "odd_names": {
        "project_name": 'Café "Quoted" \\ API — ünïcode\'s',
        "project_slug": "_odd_name9",
        "description": 'Says "hi" \\ and it\'s fine',
        "author_name": 'O\'Brien "Dev"',
        "api_path": "x.y~z-1_",
        "mobile_auth_path": "m",
        "web_auth_path": "w",
        "access_token_lifetime_minutes": "1",
        "refresh_token_lifetime_days": "1",
    },
}

DEFAULT_DESCRIPTION = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())["description"]

DEFAULT_ANSWERS: dict[str, Any] = {
    "api_path": "api",
    "mobile_auth": True,
    "mobile_auth_path": "auth/mobile",
    "web_auth": True,
    "web_auth_path": "auth/web",
    "jwt_algorithm": "RS256",
    "login_field": "username",
    "refresh_token_rotation": True,
}

# Prints, as JSON, where each auth URL resolves, the cookie path, algorithm, login field and
# whether refresh tokens rotate.
WIRING_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.urls import NoReverseMatch, reverse
names = ["mobile_signin", "mobile_token_refresh", "web_signin", "web_token_refresh", "web_sign_out"]
paths = {}
for name in names:
    try:
        paths[name] = reverse("api-1.0.0:" + name)
    except NoReverseMatch:
        paths[name] = None
paths["cookie"] = settings.NINJA_SIMPLE_JWT.get("WEB_REFRESH_COOKIE_PATH")
from django.contrib.auth import get_user_model
from ninja_simple_jwt.conf import get_jwt_settings
jwt_settings = get_jwt_settings()
paths["algorithm"] = jwt_settings.JWT_ALGORITHM
paths["login_field"] = jwt_settings.USERNAME_FIELD
paths["rotation"] = jwt_settings.JWT_ROTATE_REFRESH_TOKENS
paths["user_model_login_field"] = get_user_model().USERNAME_FIELD
print(json.dumps(paths))
"""


def expected_wiring(answers: dict[str, Any]) -> dict[str, Any]:
    merged = {**DEFAULT_ANSWERS, **answers}
    api = "/" + merged["api_path"].strip("/")
    mobile = f"{api}/{merged['mobile_auth_path'].strip('/')}" if merged["mobile_auth"] else None
    web = f"{api}/{merged['web_auth_path'].strip('/')}" if merged["web_auth"] else None
    return {
        "mobile_signin": mobile and f"{mobile}/sign-in",
        "mobile_token_refresh": mobile and f"{mobile}/token-refresh",
        "web_signin": web and f"{web}/sign-in",
        "web_token_refresh": web and f"{web}/token-refresh",
        "web_sign_out": web and f"{web}/sign-out",
        "cookie": web,
        "algorithm": merged["jwt_algorithm"],
        "login_field": merged["login_field"],
        "user_model_login_field": merged["login_field"],
        "rotation": merged["refresh_token_rotation"],
    }


# A baked project and the answers it was baked with.
Baked = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module", params=list(COMBINATIONS), ids=list(COMBINATIONS))
def baked(request: pytest.FixtureRequest, cookies_session: Any) -> Baked:
    answers = COMBINATIONS[request.param]
    return bake(cookies_session, **answers), answers


def text_files(project: Path) -> list[Path]:
    files = []
    for path in project.rglob("*"):
        # Caches left in the template folder by a developer's local runs, never in a clone.
        if {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"} & set(path.parts):
            continue
        if path.is_file() and path.suffix not in {".pem", ".pub", ".sqlite3"}:
            files.append(path)
    return files


def test_no_template_syntax_survives(baked: Baked) -> None:
    project, _ = baked
    for path in text_files(project):
        text = path.read_text()
        # GitHub Actions expressions (${{ ... }}) are meant to stay.
        bare = text.replace("${{", "")
        for marker in ("{{", "{%", "%}", "cookiecutter."):
            assert marker not in bare, f"{marker!r} left in {path.relative_to(project)}"


def test_signing_keys_exist_match_and_are_private(baked: Baked) -> None:
    project, answers = baked
    private_path, public_path = project / "jwt-signing.pem", project / "jwt-signing.pub"
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    algorithm = answers.get("jwt_algorithm", "RS256")
    assert_key_pair(private_path.read_bytes(), public_path.read_bytes(), algorithm)
    env_file = project / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert "DJANGO_SECRET_KEY=" in env_file.read_text()
    ignored = (project / ".gitignore").read_text().splitlines()
    assert {".env", "jwt-signing.pem", "jwt-signing.pub", "db.sqlite3"} <= set(ignored)


def test_pyproject_is_valid_toml_with_the_answers(baked: Baked) -> None:
    project, answers = baked
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    # PEP 508 names: letters, digits and '-', '_', '.', starting and ending alphanumeric.
    assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", metadata["name"])
    assert metadata["description"] == answers.get("description", DEFAULT_DESCRIPTION)
    assert metadata["authors"] == [{"name": answers.get("author_name", "Your Name")}]


def test_shared_environment_satisfies_the_declared_dependencies(baked: Baked) -> None:
    """The baked suites run in this environment: it must be one that pyproject.toml allows."""
    project, _ = baked
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    for line in [*metadata["dependencies"], *metadata["optional-dependencies"]["dev"]]:
        requirement = Requirement(line)
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), (line, installed)


def test_uv_lock_matches_pyproject(baked: Baked, project_python: str, tmp_path: Path) -> None:
    """The shipped uv.lock pins, with hashes, exactly what this project's pyproject.toml asks for.

    `uv lock --check` fails when the lock would change; offline and with an empty cache, it shows
    that the lock alone says so. The rest is how uv writes it: packages sorted by name (the
    project's own entry among them), and a sha256 for every file.
    """
    project, _ = baked
    name = tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"]
    packages = tomllib.loads((project / "uv.lock").read_text())["package"]
    names = [package["name"] for package in packages]
    assert names == sorted(names)
    own = [package for package in packages if package["source"] == {"editable": "."}]
    assert [package["name"] for package in own] == [canonicalize_name(name)]
    for package in packages:
        if package not in own:
            files = [*package.get("wheels", []), *filter(None, [package.get("sdist")])]
            assert files, package["name"]
            assert all(file["hash"].startswith("sha256:") for file in files), package["name"]
    check = [project_python, "-m", "uv", "lock", "--check", "--offline", "--python", project_python]
    run(check, project, env=project_env(UV_CACHE_DIR=str(tmp_path / "uv-cache")))


def test_vendored_app_is_copied_byte_for_byte(baked: Baked) -> None:
    copied_root = baked[0] / "ninja_simple_jwt"

    def files(root: Path) -> dict[Path, bytes]:
        found = (path for path in root.rglob("*") if path.is_file())
        return {p.relative_to(root): p.read_bytes() for p in found if "__pycache__" not in p.parts}

    assert files(copied_root) == files(VENDORED_APP)


def test_login_field_files_follow_the_answer(baked: Baked) -> None:
    project, answers = baked
    by_email = answers.get("login_field") == "email"
    package = next(path.parent for path in project.glob("*/users"))
    assert (package / "users" / "managers.py").exists() is by_email
    assert (project / "tests" / "test_email_login.py").exists() is by_email
    jwt_settings = (project / "config" / "settings" / "jwt.py").read_text()
    assert ('"USERNAME_FIELD": "email"' in jwt_settings) is by_email


def test_demo_page_files_follow_the_answers(baked: Baked) -> None:
    project, answers = baked
    merged = {"demo_page": True, **DEFAULT_ANSWERS, **answers}
    # The demo signs in through the web router: without it, the default "yes" is ignored.
    wanted = merged["web_auth"] and merged["demo_page"]
    package = next(path.parent for path in project.glob("*/users"))
    assert (package / "demo" / "views.py").exists() is wanted
    assert (project / "tests" / "test_demo_page.py").exists() is wanted
    mentions = {
        "config/urls.py": "demo.urls",
        "config/settings/base.py": "DEMO_PAGE_ENABLED",
        "config/settings/local.py": "DEMO_PAGE_ENABLED",
        "config/settings/production.py": "DEMO_PAGE_ENABLED",
        ".env.example": "DJANGO_DEMO_PAGE",
        "pyproject.toml": '.demo" = ["assets/*"]',
        "README.md": "## The demo page",
    }
    for relative, marker in mentions.items():
        assert (marker in (project / relative).read_text()) is wanted, relative


def test_key_storage_files_follow_the_answer(baked: Baked) -> None:
    project, answers = baked
    in_s3 = answers.get("key_storage") == "s3"
    assert (project / "tests" / "test_key_storage.py").exists() is in_s3
    # The app reads the keys by their STORAGES aliases: files by default, S3 when chosen.
    base = (project / "config" / "settings" / "base.py").read_text()
    production = (project / "config" / "settings" / "production.py").read_text()
    assert '"jwt_private_key"' in base and '"jwt_public_key"' in base
    assert ("storages.backends.s3.S3Storage" in production) is in_s3
    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert ("django-storages[s3]>=1.14" in dependencies["dependencies"]) is in_s3
    for documented in (
        project / "config" / "settings" / "production.py",
        project / ".env.example",
        project / "README.md",
    ):
        assert ("JWT_PRIVATE_KEY_BUCKET" in documented.read_text()) is in_s3, documented


def test_unchosen_router_leaves_no_wiring(baked: Baked) -> None:
    project, answers = baked
    merged = {**DEFAULT_ANSWERS, **answers}
    wiring = [
        project / "config" / "settings" / "jwt.py",
        project / "config" / "settings" / "base.py",
        # The project's own API module (the vendored app has an api.py of its own).
        *(path.parent / "api.py" for path in project.glob("*/users")),
        project / "README.md",
    ]
    text = "\n".join(path.read_text() for path in wiring)
    url_tests = (project / "tests" / "test_urls.py").read_text()
    assert ("mobile_auth_router" in text) is merged["mobile_auth"]
    assert ("MOBILE_AUTH_PATH" in text) is merged["mobile_auth"]
    assert ("mobile_signin" in url_tests) is merged["mobile_auth"]
    assert ("web_auth_router" in text) is merged["web_auth"]
    assert ("WEB_REFRESH_COOKIE_PATH" in text) is merged["web_auth"]
    assert ("web_signin" in url_tests) is merged["web_auth"]


def test_urls_and_settings_follow_the_answers(baked: Baked, project_python: str) -> None:
    project, answers = baked
    result = run(
        [project_python, "-c", WIRING_PROBE],
        project,
        env={**project_env(), "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    assert json.loads(result.stdout) == expected_wiring(answers)


def test_linters_pass(baked: Baked, project_python: str) -> None:
    project, _ = baked
    run([project_python, "-m", "ruff", "check", "--no-cache", "."], project)
    run([project_python, "-m", "ruff", "format", "--check", "--no-cache", "."], project)


def test_pre_commit_and_ci_configs_are_valid(baked: Baked, project_python: str) -> None:
    project, answers = baked
    run([project_python, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"], project)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    steps = [step.get("run", "") for step in workflow["jobs"]["test"]["steps"]]
    assert "uv run pytest" in steps
    assert any("uv sync --locked" in step for step in steps)  # the lock, or the job fails
    assert any("make_jwt_key" in step for step in steps)
    job = workflow["jobs"]["test"]
    with_postgresql = answers.get("database") == "postgresql"
    assert ("postgres" in job.get("services", {})) is with_postgresql
    assert ("DATABASE_URL" in job.get("env", {})) is with_postgresql
    assert 0 < job["timeout-minutes"] <= 30  # a hung test must not burn hours of CI
    assert "redis" in job["services"]
    assert job["env"]["REDIS_URL"].startswith("redis://")


def test_django_checks_and_migrations_are_clean(baked: Baked, project_python: str) -> None:
    project, _ = baked
    env = {**project_env(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    run([project_python, "manage.py", "check", "--fail-level", "WARNING"], project, env=env)
    run([project_python, "manage.py", "makemigrations", "--check", "--dry-run"], project, env=env)


def key_storage_env(
    project: Path, answers: dict[str, Any], request: pytest.FixtureRequest
) -> dict[str, str]:
    """For s3 projects: two new, empty buckets on the real S3-compatible server. For env
    projects: the generated pair, as the environment variables production reads."""
    if answers.get("key_storage") == "env":
        return {
            "JWT_PRIVATE_KEY": (project / "jwt-signing.pem").read_text(),
            "JWT_PUBLIC_KEY": (project / "jwt-signing.pub").read_text(),
        }
    if answers.get("key_storage") != "s3":
        return {}
    server = request.getfixturevalue("s3")
    return dict(server.key_storage_env("production", "production/public"))


def test_production_settings_pass_the_deploy_check(
    baked: Baked, project_python: str, request: pytest.FixtureRequest
) -> None:
    project, answers = baked
    env = production_env(**key_storage_env(project, answers, request))
    deploy_check = [project_python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    if answers.get("key_storage") == "s3":
        # The checks look for the keys where production reads them: in the (empty) buckets.
        missing = subprocess.run(
            deploy_check, cwd=project, env=env, capture_output=True, text=True, timeout=300
        )
        assert missing.returncode != 0
        assert "ninja_simple_jwt.E002" in missing.stderr
        assert "make_jwt_key" in missing.stderr
        run([project_python, "manage.py", "make_jwt_key"], project, env=env)
    run(deploy_check, project, env=env)


def database_env(answers: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, str]:
    """DATABASE_URL of a fresh database on the real PostgreSQL server, for postgresql projects."""
    if answers.get("database") != "postgresql":
        return {}
    server = request.getfixturevalue("postgres")
    return {"DATABASE_URL": server.create_database(f"suite_{secrets.token_hex(4)}")}


def test_own_suite_passes(
    baked: Baked, project_python: str, request: pytest.FixtureRequest
) -> None:
    project, answers = baked
    redis_url = request.getfixturevalue("redis").url  # tests/test_cache.py needs a real Redis
    env = project_env(REDIS_URL=redis_url, **database_env(answers, request))
    result = run(
        [project_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        env=env,
        timeout=600,
    )
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout
    # The owners' loop against flaky tests (scripts/repeat_tests.sh), two runs of a few tests.
    path = f"{Path(project_python).parent}:{os.environ['PATH']}"
    repeat = ["bash", "scripts/repeat_tests.sh", "2", "ninja_simple_jwt/tests/test_tokens.py"]
    looped = run([*repeat, "-k", "leeway"], project, env={**env, "PATH": path})
    assert looped.stdout.splitlines()[-1].startswith("2 runs passed")
