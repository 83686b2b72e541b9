"""Diagnosis of the configured keys, for ``manage.py check``: what is wrong and what fixes it."""

from __future__ import annotations

import os
import shlex
import stat
from dataclasses import dataclass, replace
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from ninja_simple_jwt.jwt.jwk import (
    RSA_KEY_SIZE,
    PrivateKey,
    PublicKey,
    describe_expected_kind,
    describe_key_kind,
    key_fits_algorithm,
    key_id,
    load_private_key,
    load_public_key,
)
from ninja_simple_jwt.jwt.key_storage import (
    MAKE_RSA,
    MAKE_RSA_FORCE,
    describe_location,
    get_private_key_storage,
    get_public_key_storage,
    read_bytes,
)
from ninja_simple_jwt.jwt.previous_keys import parse_previous_keys
from ninja_simple_jwt.settings import JwtAlgorithm, get_jwt_settings

__all__ = ["KeyProblem", "KeyProblemKind", "diagnose_keys"]


KeyProblemKind = Literal[
    "missing", "unreadable", "invalid", "mismatch", "permissions", "algorithm", "previous_keys"
]


@dataclass(frozen=True)
class KeyProblem:
    """One problem found by ``diagnose_keys``: what is wrong and the command that fixes it."""

    kind: KeyProblemKind
    message: str
    hint: str


def _load_for_diagnosis(
    storage: Storage, name: str, label: str, problems: list[KeyProblem]
) -> tuple[bool, bytes | None]:
    """Return ``(exists, content)``; record a problem when it cannot be told or read."""
    location = describe_location(storage, name)
    try:
        exists = storage.exists(name)
    except Exception as exc:
        problems.append(
            KeyProblem(
                "unreadable",
                f"Cannot reach the JWT {label} {location}: {type(exc).__name__}: {exc}",
                "Check the key storage settings (JWT_*_KEY_STORAGE in NINJA_SIMPLE_JWT) and "
                "its credentials.",
            )
        )
        return True, None
    if not exists:
        return False, None
    try:
        return True, read_bytes(storage, name)
    except Exception as exc:
        problems.append(
            KeyProblem(
                "unreadable",
                f"Cannot read the JWT {label} {location}: {type(exc).__name__}: {exc}",
                "Make the file readable by the user running Django (or fix the storage access).",
            )
        )
        return True, None


def _parse_for_diagnosis(
    pem: bytes,
    label: str,
    location: str,
    algorithm: JwtAlgorithm,
    problems: list[KeyProblem],
) -> object | None:
    """The parsed key if ``algorithm`` can use it; else record why and return ``None``."""
    try:
        # The loaders the app uses (and caches); only a key they refuse is examined below.
        return (
            load_private_key(pem, algorithm)
            if label == "private"
            else load_public_key(pem, algorithm)
        )
    except Exception:  # noqa: S110 - the slow path below finds and reports what is wrong
        pass
    try:
        key: object = (
            serialization.load_pem_private_key(pem, password=None)
            if label == "private"
            else serialization.load_pem_public_key(pem)
        )
    except Exception as exc:
        problems.append(
            KeyProblem(
                "invalid",
                f"{location} is not {'an unencrypted' if label == 'private' else 'a'} PEM "
                f"{label} key: {exc}",
                f"Run `{MAKE_RSA_FORCE}` to replace the key pair.",
            )
        )
        return None
    if (
        algorithm == "RS256"
        and isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey)
        and key.key_size < RSA_KEY_SIZE
    ):
        problems.append(
            KeyProblem(
                "invalid",
                f"The JWT {label} key {location} has {key.key_size} bits; RS256 needs at "
                f"least {RSA_KEY_SIZE}.",
                f"Run `{MAKE_RSA_FORCE}` to replace the key pair.",
            )
        )
        return None
    if not key_fits_algorithm(key, algorithm):
        problems.append(
            KeyProblem(
                "algorithm",
                f"The JWT {label} key {location} is {describe_key_kind(key)}, but JWT_ALGORITHM "
                f"is {algorithm}, which needs {describe_expected_kind(algorithm)}.",
                f"Run `{MAKE_RSA_FORCE}` to make keys for {algorithm} (this signs every user "
                "out), or set JWT_ALGORITHM to match the keys.",
            )
        )
        return None
    return key


def _previous_keys_problems(
    storage: Storage, name: str, algorithm: JwtAlgorithm
) -> list[KeyProblem]:
    problems: list[KeyProblem] = []
    exists, content = _load_for_diagnosis(storage, name, "previous-keys document", problems)
    location = describe_location(storage, name)
    hint = (
        "Restore it from a backup, or delete it (tokens signed by the keys in it then stop "
        f"working); `{MAKE_RSA_FORCE}` also starts afresh."
    )
    problems = [replace(problem, kind="previous_keys", hint=hint) for problem in problems]
    if exists and content is not None:
        try:
            parse_previous_keys(content, algorithm)
        except Exception as exc:
            problems.append(
                KeyProblem(
                    "previous_keys",
                    f"The JWT previous-keys document {location} is unusable: {exc}",
                    hint,
                )
            )
    return problems


def diagnose_keys() -> list[KeyProblem]:
    """Everything wrong with the configured keys (empty if they are usable).

    Reads the storages afresh (not the cache). Never raises for storage failures: a remote
    storage that cannot be reached is reported as a problem.
    """
    jwt_settings = get_jwt_settings()
    algorithm = jwt_settings.JWT_ALGORITHM
    problems: list[KeyProblem] = []
    try:
        private_storage = get_private_key_storage()
        public_storage = get_public_key_storage()
    except ImproperlyConfigured as exc:
        return [
            KeyProblem("unreadable", str(exc), "Point JWT_*_KEY_STORAGE at a Storage instance.")
        ]
    private_name = jwt_settings.JWT_PRIVATE_KEY_PATH
    public_name = jwt_settings.JWT_PUBLIC_KEY_PATH

    private_exists, private_pem = _load_for_diagnosis(
        private_storage, private_name, "private key", problems
    )
    public_exists, public_pem = _load_for_diagnosis(
        public_storage, public_name, "public key", problems
    )

    missing = [
        describe_location(storage, name)
        for storage, name, exists in (
            (private_storage, private_name, private_exists),
            (public_storage, public_name, public_exists),
        )
        if not exists
    ]
    if missing:
        both_missing = not private_exists and not public_exists
        problems.append(
            KeyProblem(
                "missing",
                f"JWT key file missing: {', '.join(missing)}",
                # make_rsa alone leaves an existing half of the pair alone; --force replaces both.
                f"Run `{MAKE_RSA}` to create the key pair."
                if both_missing
                else f"Run `{MAKE_RSA_FORCE}` to replace the incomplete key pair.",
            )
        )

    private_key = (
        None
        if private_pem is None
        else _parse_for_diagnosis(
            private_pem,
            "private",
            describe_location(private_storage, private_name),
            algorithm,
            problems,
        )
    )
    public_key = (
        None
        if public_pem is None
        else _parse_for_diagnosis(
            public_pem,
            "public",
            describe_location(public_storage, public_name),
            algorithm,
            problems,
        )
    )
    if (
        isinstance(private_key, PrivateKey)
        and isinstance(public_key, PublicKey)
        and key_id(private_key.public_key()) != key_id(public_key)
    ):
        problems.append(
            KeyProblem(
                "mismatch",
                "The JWT public key does not belong to the private key: every token would be "
                "rejected.",
                f"Run `{MAKE_RSA_FORCE}` to replace both keys with a matching pair.",
            )
        )

    problems.extend(
        _previous_keys_problems(
            public_storage, jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH, algorithm
        )
    )
    if private_exists and os.name == "posix":
        problems.extend(_private_key_permission_problems(private_storage, private_name))
    return problems


def _private_key_permission_problems(storage: Storage, name: str) -> list[KeyProblem]:
    try:
        path = storage.path(name)
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (NotImplementedError, OSError):
        # Remote storages have no file mode; an unreadable file is reported elsewhere.
        return []
    if mode & 0o077:
        return [
            KeyProblem(
                "permissions",
                f"The JWT private key {path} has mode {mode:04o}: group or others can access it.",
                f"Run `chmod 600 {shlex.quote(path)}`.",
            )
        ]
    return []
