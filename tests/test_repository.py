"""The template repository's own code is held to the same linters as the projects it makes."""

from __future__ import annotations

import json

from conftest import TEMPLATE_DIR, load_hook, project_env, run

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
