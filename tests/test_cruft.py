"""A project made with cruft takes template updates cleanly and never shows its secrets.

One round trip, shared by the tests below: the template is committed to a scratch git
repository, ``cruft create`` makes a project from it, the project is committed, the template
changes (one line of a rendered file, one new file) and ``cruft update`` brings that change in.
The project's ``[tool.cruft] skip`` list is what keeps ``.env`` and the signing keys, which the
post-generation hook makes afresh on every render, out of the update and out of ``cruft diff``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT_TEMPLATE, TEMPLATE_DIR, project_env, run
from services import RedisServer, redis  # noqa: F401  (fixture)

# Every test here reads the same round trip: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("cruft")

# What cookiecutter needs to render the template; caches a local run left behind stay out.
TEMPLATE_ENTRIES = ["cookiecutter.json", "hooks", "local_extensions.py", PROJECT_TEMPLATE.name]
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.py[cod]", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"
)

# Per-project files that must come through an update byte for byte.
PRIVATE_FILES = [".env", "jwt-signing.pem", "jwt-signing.pub"]

UPDATED_SUFFIX = " (updated by the template)"
NEW_FILE = "TEMPLATE_UPDATE.md"
NEW_FILE_TEMPLATE = "Rendered for {{ cookiecutter.project_slug }}.\n"
LOCAL_EDIT = "A line this project added to its README."

# What cruft and git print when a patch does not apply.
FAILURE_WORDS = ["patch failed", "error:", "Failed to apply", ".rej", "reject", "conflict"]


@dataclass
class RoundTrip:
    project: Path
    env: dict[str, str]
    private_before: dict[str, bytes]
    readme_before: list[str]
    readme_after_update: list[str]
    update: subprocess.CompletedProcess[str]
    status_after_update: str
    diff: subprocess.CompletedProcess[str]


def git(directory: Path, env: dict[str, str], *arguments: str) -> str:
    return run(["git", *arguments], directory, env=env).stdout


def cruft(
    directory: Path, env: dict[str, str], *arguments: str
) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "cruft", *arguments], directory, env=env)


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    root = tmp_path_factory.mktemp("cruft")
    home = root / "home"
    home.mkdir()
    # A clean HOME: no user git or cookiecutter configuration, and no replay files left behind.
    env = project_env(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Template Test",
        GIT_AUTHOR_EMAIL="template-test@example.com",
        GIT_COMMITTER_NAME="Template Test",
        GIT_COMMITTER_EMAIL="template-test@example.com",
    )
    env.pop("XDG_CONFIG_HOME", None)

    template = root / "template"
    template.mkdir()
    for name in TEMPLATE_ENTRIES:
        source = TEMPLATE_DIR / name
        if source.is_dir():
            shutil.copytree(source, template / name, ignore=IGNORED)
        else:
            shutil.copy2(source, template / name)
    git(template, env, "init", "--quiet")
    git(template, env, "add", "--all")
    git(template, env, "commit", "--quiet", "--message", "Template as it is")

    output = root / "output"
    cruft(root, env, "create", "--no-input", "--output-dir", str(output), str(template))
    (project,) = output.iterdir()
    git(project, env, "init", "--quiet")
    git(project, env, "add", "--all")
    git(project, env, "commit", "--quiet", "--message", "Project as created")
    private_before = {name: (project / name).read_bytes() for name in PRIVATE_FILES}
    readme_before = (project / "README.md").read_text().splitlines()

    # The template moves on: one line of a rendered file changes and a rendered file appears.
    template_readme = template / PROJECT_TEMPLATE.name / "README.md"
    lines = template_readme.read_text().splitlines(keepends=True)
    lines[0] = lines[0].rstrip("\n") + UPDATED_SUFFIX + "\n"
    template_readme.write_text("".join(lines))
    (template / PROJECT_TEMPLATE.name / NEW_FILE).write_text(NEW_FILE_TEMPLATE)
    git(template, env, "add", "--all")
    git(template, env, "commit", "--quiet", "--message", "Template changes")

    update = cruft(project, env, "update", "--skip-apply-ask")
    status_after_update = git(project, env, "status", "--porcelain", "--untracked-files=all")
    readme_after_update = (project / "README.md").read_text().splitlines()

    # A local edit gives `cruft diff` something to show besides what it must not show.
    with (project / "README.md").open("a") as readme:
        readme.write(LOCAL_EDIT + "\n")
    diff = cruft(project, env, "diff")
    return RoundTrip(
        project,
        env,
        private_before,
        readme_before,
        readme_after_update,
        update,
        status_after_update,
        diff,
    )


def test_update_applies_without_conflicts(round_trip: RoundTrip) -> None:
    output = round_trip.update.stdout + round_trip.update.stderr
    assert "has been updated" in output, output
    for word in FAILURE_WORDS:
        assert word not in output, f"{word!r} in the output of cruft update:\n{output}"
    leftovers = [
        path.relative_to(round_trip.project)
        for pattern in ("*.rej", "*.orig")
        for path in round_trip.project.rglob(pattern)
    ]
    assert leftovers == []
    # Only the template's change and cruft's own record: nothing else touched, nothing untracked.
    changed = sorted(line[3:] for line in round_trip.status_after_update.splitlines())
    assert changed == sorted([".cruft.json", "README.md", NEW_FILE])


def test_update_brings_the_template_change(round_trip: RoundTrip) -> None:
    project = round_trip.project
    before, after = round_trip.readme_before, round_trip.readme_after_update
    assert after == [before[0] + UPDATED_SUFFIX, *before[1:]]
    assert (project / NEW_FILE).read_text() == f"Rendered for {project.name}.\n"


def test_secrets_and_keys_are_left_byte_for_byte(round_trip: RoundTrip) -> None:
    for name, content in round_trip.private_before.items():
        assert (round_trip.project / name).read_bytes() == content, f"{name} changed"


def test_diff_shows_no_private_key_and_no_secret_key(round_trip: RoundTrip) -> None:
    output = round_trip.diff.stdout + round_trip.diff.stderr
    assert LOCAL_EDIT in output, f"cruft diff did not show the local edit:\n{output}"
    assert "PRIVATE KEY" not in output
    assert "DJANGO_SECRET_KEY=" not in output
    env_lines = round_trip.private_before[".env"].decode().splitlines()
    (secret,) = [line.split("=", 1)[1] for line in env_lines if line.startswith("DJANGO_SECRET")]
    assert secret not in output
    key_lines = round_trip.private_before["jwt-signing.pem"].decode().splitlines()[1:-1]
    assert not [line for line in key_lines if line in output]


def test_patch_leftovers_are_git_ignored(round_trip: RoundTrip) -> None:
    project = round_trip.project
    names = [".env.rej", "jwt-signing.pem.rej", "README.md.orig", "config/settings/base.py.rej"]
    for name in names:
        (project / name).write_text("left over\n")
    try:
        ignored = git(project, round_trip.env, "check-ignore", *names).split()
    finally:
        for name in names:
            (project / name).unlink()
    assert sorted(ignored) == sorted(names)


def test_own_suite_passes_after_the_update(
    round_trip: RoundTrip,
    redis: RedisServer,  # noqa: F811  (the fixture imported above)
) -> None:
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        round_trip.project,
        env=project_env(REDIS_URL=redis.url),  # tests/test_cache.py needs a real Redis
        timeout=600,
    )
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout
