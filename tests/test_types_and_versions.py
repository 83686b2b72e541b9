"""Static types of a baked project, and its suite on the newest Python and Django."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import NON_DEFAULT_PATHS, bake, project_env, run


@pytest.fixture(scope="module")
def project(cookies_session: Any) -> Path:
    return bake(cookies_session, **NON_DEFAULT_PATHS)


def test_whole_project_passes_its_own_mypy_config(
    project: Path, project_python: str, tmp_path: Path
) -> None:
    """Its config is mypy's strict mode, the vendored app included; also after `pip wheel .`,
    whose build/ folder holds a second copy of every module."""
    wheel = [project_python, "-m", "pip", "wheel", "--no-deps", "--quiet"]
    run([*wheel, "--wheel-dir", str(tmp_path / "wheels"), "."], project, timeout=300)
    assert (project / "build").is_dir()
    assert tomllib.loads((project / "pyproject.toml").read_text())["tool"]["mypy"]["strict"]
    mypy = [project_python, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), "."]
    run(mypy, project, timeout=600)


def newest_python() -> str:
    """Python 3.13 with the newest Django 6.x: scripts/test.sh makes it and names it here."""
    python = os.environ.get("TEMPLATE_TEST_PY313")
    if not python:
        if os.environ.get("CI"):
            pytest.fail("TEMPLATE_TEST_PY313 is not set: run the tests with scripts/test.sh")
        pytest.skip("TEMPLATE_TEST_PY313 is not set: run the tests with scripts/test.sh")
    return python


def test_suite_passes_on_python_313_with_django_6(project: Path) -> None:
    python = newest_python()
    assert versions(python).startswith("(3, 13) (6, ")
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, timeout=600)
    assert " passed" in result.stdout
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings.test")
    run([python, "manage.py", "makemigrations", "--check", "--dry-run"], project, env=env)


def test_suite_runs_on_django_52_here(project_python: str) -> None:
    assert versions(project_python) == "(3, 11) (5, 2)"


def versions(python: str) -> str:
    """The interpreter's Python version and the Django version it imports."""
    code = "import sys, django; print(sys.version_info[:2], django.VERSION[:2])"
    return run([python, "-c", code], Path.cwd()).stdout.strip()
