"""The template repository's own code is held to the same linters as the projects it makes."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import TEMPLATE_DIR, VENDORED_APP, load_hook, project_env, run

# Named one by one: ruff would otherwise read the template folder's Jinja pyproject.toml.
REPOSITORY_CODE = ["hooks", "tests", "local_extensions.py", "bench", "scripts"]


def test_repository_code_passes_ruff(project_python: str) -> None:
    for command in (["check"], ["format", "--check"]):
        run(
            [project_python, "-m", "ruff", *command, "--no-cache", *REPOSITORY_CODE],
            TEMPLATE_DIR,
            env=project_env(),
        )


def test_every_prompt_has_friendly_text_and_a_rule() -> None:
    context = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    prompts = [name for name in context if not name.startswith("_")]
    assert prompts == [
        "project_name",
        "project_slug",
        "description",
        "author_name",
        "api_path",
        "mobile_auth",
        "mobile_auth_path",
        "web_auth",
        "web_auth_path",
        "access_token_lifetime_minutes",
        "refresh_token_lifetime_days",
        "refresh_token_rotation",
        "jwt_algorithm",
        "login_field",
        "demo_page",
        "database",
        "key_storage",
    ]
    assert set(context["__prompts__"]) == set(prompts)
    # The defaults themselves are valid answers (the slug as cookiecutter derives it).
    pre_gen = load_hook("pre_gen_project")
    # Choice variables default to their first choice.
    defaults = {
        key: value[0] if isinstance(value, list) else value for key, value in context.items()
    }
    defaults["project_slug"] = "my_secure_api"
    assert pre_gen.validate(defaults) == []


def test_the_readme_documents_every_prompt() -> None:
    context = json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text())
    readme = (TEMPLATE_DIR / "README.md").read_text()
    undocumented = [
        name for name in context if not name.startswith("_") and f"| `{name}` |" not in readme
    ]
    assert undocumented == []


def test_vendored_app_stays_readable_in_one_sitting() -> None:
    """Every owner inherits the app: at most 3,000 lines without its tests and migrations, and
    no module over 250 lines."""
    modules = {
        path.relative_to(VENDORED_APP): len(path.read_text().splitlines())
        for path in VENDORED_APP.rglob("*.py")
        if not {"tests", "migrations", "__pycache__"} & set(path.relative_to(VENDORED_APP).parts)
    }
    assert sum(modules.values()) <= 3000, sum(modules.values())
    assert {path: lines for path, lines in modules.items() if lines > 250} == {}


def test_template_tests_stay_readable() -> None:
    """The template's own tests: at most 4,000 lines, each behaviour proven in one place."""
    lines = sum(len(path.read_text().splitlines()) for path in Path(__file__).parent.glob("*.py"))
    assert lines <= 4000, lines


def test_one_import_path_per_name_in_the_vendored_app() -> None:
    """Only the library's documented paths re-export names defined elsewhere."""
    documented = {
        Path("auth/ninja_auth.py"),
        Path("auth/views/api.py"),
        Path("jwt/token_operations.py"),
        Path("management/commands/make_rsa.py"),
    }
    for path in VENDORED_APP.rglob("*.py"):
        relative = path.relative_to(VENDORED_APP)
        if "tests" in relative.parts or relative in documented:
            continue
        tree = ast.parse(path.read_text())
        exported = next(
            (
                ast.literal_eval(node.value)
                for node in tree.body
                if isinstance(node, ast.Assign)
                and any(getattr(target, "id", None) == "__all__" for target in node.targets)
            ),
            [],
        )
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert not set(exported) & imported, (relative, set(exported) & imported)
