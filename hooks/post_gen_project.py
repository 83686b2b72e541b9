"""Finish a freshly generated project: prune, write secrets, make the signing keys.

Runs inside the new project folder under a bare ``cookiecutter`` install, where neither Django
nor ``cryptography`` may be importable: keys come from ``cryptography`` when it is there, from
the ``openssl`` command otherwise, and when neither exists the user is told what to run. It never
overwrites a file that already exists, so generating over an existing project keeps its keys and
``.env``. Jinja appears only inside the string literal below; the module imports as it is.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

RENDERED_ANSWERS = r"""{{ cookiecutter | tojson }}"""

PRIVATE_KEY_NAME = "jwt-signing.pem"
PUBLIC_KEY_NAME = "jwt-signing.pub"
RSA_KEY_BITS = 2048

# Files that only some answers need: (does the project need them?, paths), the paths relative
# to the project root with "{slug}" standing for the package.
OPTIONAL_FILES: tuple[tuple[Callable[[Mapping[str, Any]], bool], tuple[str, ...]], ...] = (
    (
        lambda answers: answers["web_auth"] and answers["demo_page"],
        ("{slug}/demo", "tests/test_demo_page.py"),
    ),
    (
        lambda answers: answers["login_field"] == "email",
        ("{slug}/users/managers.py", "tests/test_email_login.py"),
    ),
    (lambda answers: answers["key_storage"] == "s3", ("tests/test_key_storage.py",)),
)


def prune(project: Path, answers: Mapping[str, Any]) -> list[str]:
    """Remove the files that the answers do not need; return their relative paths."""
    removed = []
    for needed, paths in OPTIONAL_FILES:
        if needed(answers):
            continue
        for relative in (path.format(slug=answers["project_slug"]) for path in paths):
            target = project / relative
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            else:
                continue
            removed.append(relative)
    return removed


def write_new_file(path: Path, content: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the first byte on; fail if it already exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.chmod(path, mode)  # the umask may have narrowed it; keep exactly the mode asked for


def write_env_file(project: Path) -> bool:
    """Write a git-ignored .env holding a random SECRET_KEY; False if one exists already."""
    env_file = project / ".env"
    if env_file.exists():
        return False
    # token_urlsafe avoids '$' and '#', which .env parsers treat specially.
    content = (
        "# Local environment for this checkout. Git-ignored: never commit it.\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    write_new_file(env_file, content.encode(), 0o600)
    return True


def keys_with_cryptography(algorithm: str) -> tuple[bytes, bytes] | None:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError:
        return None
    private_key: Any
    if algorithm == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
    else:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return private_pem, public_pem


# openssl genpkey options per JWT algorithm; genpkey always writes PKCS#8.
OPENSSL_KEY_OPTIONS = {
    "RS256": ["-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{RSA_KEY_BITS}"],
    "ES256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "EdDSA": ["-algorithm", "ED25519"],
}


def keys_with_openssl(algorithm: str) -> tuple[bytes, bytes] | None:
    """The same PKCS#8 / SubjectPublicKeyInfo PEM pair, made by the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    try:
        private_pem = subprocess.run(
            [openssl, "genpkey", *OPENSSL_KEY_OPTIONS[algorithm]],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        public_pem = subprocess.run(
            [openssl, "pkey", "-pubout"],
            input=private_pem,
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    if b"BEGIN PRIVATE KEY" not in private_pem or b"BEGIN PUBLIC KEY" not in public_pem:
        return None
    return private_pem, public_pem


def make_key_pair(
    project: Path, algorithm: str = "RS256", generators: tuple[Any, ...] | None = None
) -> str:
    """Write the key pair for ``algorithm`` unless a key file exists; return what happened.

    The result is one of ``"exists"``, ``"created"`` or ``"unavailable"``.
    """
    private_path, public_path = project / PRIVATE_KEY_NAME, project / PUBLIC_KEY_NAME
    if private_path.exists() or public_path.exists():
        return "exists"
    for generate in generators or (keys_with_cryptography, keys_with_openssl):
        pair = generate(algorithm)
        if pair is not None:
            private_pem, public_pem = pair
            write_new_file(private_path, private_pem, 0o600)
            write_new_file(public_path, public_pem, 0o644)
            return "created"
    return "unavailable"


def next_steps(answers: Mapping[str, Any], keys: str, env_written: bool) -> str:
    slug = answers["project_slug"]
    lines = [f"\nYour project is ready in ./{slug}"]
    if keys == "created":
        lines.append(
            f"  Signing keys: {PRIVATE_KEY_NAME} (private, mode 0600) and {PUBLIC_KEY_NAME}."
        )
    elif keys == "exists":
        lines.append("  Signing keys were already there and were left as they are.")
    else:
        lines.append(
            "  Signing keys were NOT made: neither the cryptography package nor the openssl "
            "command is available here.\n"
            "  After installing the project, run: python manage.py make_jwt_key"
        )
    if env_written:
        lines.append("  .env holds a random DJANGO_SECRET_KEY (git-ignored).")
    else:
        lines.append("  .env was already there and was left as it is.")
    lines += [
        "",
        "Next steps:",
        f"  cd {slug}",
        "  python3 -m venv .venv && . .venv/bin/activate",
        "  pip install -e '.[dev]'",
        *(
            [f"  createdb {slug}   # or point DATABASE_URL in .env at your PostgreSQL server"]
            if answers.get("database") == "postgresql"
            else []
        ),
        "  python manage.py make_jwt_key && python manage.py migrate",
        "  python manage.py createsuperuser   # someone to sign in as"
        + (
            " (the demo page needs one)"
            if answers.get("web_auth") and answers.get("demo_page")
            else ""
        ),
        "  python manage.py runserver",
        "Then read README.md, and run the tests with: pytest",
    ]
    if answers.get("web_auth") and answers.get("demo_page"):
        lines.append("Try the web sign-in in a browser at http://localhost:8000/demo/")
    if answers.get("key_storage") == "s3":
        lines += [
            "",
            "In production the signing keys live in S3 (the files above are for development).",
            "Create the two buckets (or one with two prefixes), then make the keys there once,",
            "with AWS credentials in the environment and the production settings:",
            "  DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=<secret> \\",
            "  DJANGO_ALLOWED_HOSTS=<host> JWT_PRIVATE_KEY_BUCKET=<private bucket> \\",
            "  JWT_PUBLIC_KEY_BUCKET=<public bucket> python manage.py make_jwt_key",
            "README.md, section Key storage, lists every variable.",
        ]
    if answers.get("key_storage") == "env":
        lines += [
            "",
            "In production the signing keys come from the environment variables JWT_PRIVATE_KEY",
            "and JWT_PUBLIC_KEY (PEM text; the files above are for development). README.md,",
            "section Key storage: environment variables, shows how to make a pair for production.",
        ]
    return "\n".join(lines)


def main() -> int:
    answers = json.loads(RENDERED_ANSWERS)
    project = Path.cwd()
    prune(project, answers)
    env_written = write_env_file(project)
    keys = make_key_pair(project, answers["jwt_algorithm"])
    print(next_steps(answers, keys, env_written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
