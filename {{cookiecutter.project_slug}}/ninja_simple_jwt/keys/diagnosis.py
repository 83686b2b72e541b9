"""What is wrong with the configured keys, and the command that fixes it (``manage.py check``)."""

from __future__ import annotations

import os
import shlex
import stat
from dataclasses import dataclass
from typing import Literal

from django.core.files.storage import Storage
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.errors import MAKE_KEYS, MAKE_KEYS_FORCE
from ninja_simple_jwt.keys.algorithms import (
    WrongKeyKindError,
    key_id,
    load_private_key,
    load_public_key,
)
from ninja_simple_jwt.keys.storage import (
    describe_location,
    key_storage,
    parse_previous_keys,
    read_bytes,
)

__all__ = ["KeyProblem", "diagnose_keys"]

ProblemKind = Literal[
    "missing", "unreadable", "invalid", "mismatch", "permissions", "algorithm", "previous_keys"
]
_REPLACE = f"Run `{MAKE_KEYS_FORCE}` to replace the key pair (this signs every user out)."


@dataclass(frozen=True)
class KeyProblem:
    kind: ProblemKind
    message: str
    hint: str


class _ProblemError(Exception):
    def __init__(self, problem: KeyProblem) -> None:
        self.problem = problem


def _read(storage: Storage, name: str, label: str) -> bytes | None:
    """The file's bytes, ``None`` if it does not exist; ``_ProblemError`` if it cannot be read."""
    location = describe_location(storage, name)
    try:
        if not storage.exists(name):
            return None
        return read_bytes(storage, name)
    except Exception as exc:
        raise _ProblemError(
            KeyProblem(
                "unreadable",
                f"Cannot read the JWT {label} {location}: {type(exc).__name__}: {exc}",
                "Make it readable by the user running Django, or fix the storage settings "
                "(JWT_*_KEY_STORAGE, STORAGES) and credentials.",
            )
        ) from exc


def _parse_key_id(pem: bytes, private: bool, location: str) -> str:
    """The kid of the pair ``pem`` belongs to; ``_ProblemError`` if the algorithm cannot use it."""
    algorithm = get_jwt_settings().JWT_ALGORITHM
    try:
        if private:
            return key_id(load_private_key(pem, algorithm).public_key())
        return key_id(load_public_key(pem, algorithm))
    except WrongKeyKindError as exc:
        raise _ProblemError(
            KeyProblem(
                "algorithm",
                f"The JWT key {location} cannot be used: {exc}.",
                f"Run `{MAKE_KEYS_FORCE}` to make keys for {algorithm} (this signs every user "
                "out), or set JWT_ALGORITHM to match the keys.",
            )
        ) from exc
    except Exception as exc:
        kind = "an unencrypted PEM private" if private else "a PEM public"
        raise _ProblemError(
            KeyProblem("invalid", f"{location} is not {kind} key: {exc}", _REPLACE)
        ) from exc


def _key_pair_problems() -> list[KeyProblem]:
    jwt_settings = get_jwt_settings()
    private_storage, public_storage = key_storage("private"), key_storage("public")
    private_name, public_name = jwt_settings.JWT_PRIVATE_KEY_PATH, jwt_settings.JWT_PUBLIC_KEY_PATH
    problems = []
    contents: list[bytes | None] = []
    unreadable: list[str] = []
    for storage, name, label in (
        (private_storage, private_name, "private key"),
        (public_storage, public_name, "public key"),
    ):
        try:
            contents.append(_read(storage, name, label))
        except _ProblemError as found:
            problems.append(found.problem)
            contents.append(b"")
            unreadable.append(label)
    private_pem, public_pem = contents
    missing = [
        describe_location(storage, name)
        for storage, name, content in (
            (private_storage, private_name, private_pem),
            (public_storage, public_name, public_pem),
        )
        if content is None
    ]
    if missing:
        # make_jwt_key alone leaves an existing half of a pair alone; --force replaces both.
        fix = MAKE_KEYS if len(missing) == 2 else MAKE_KEYS_FORCE
        problems.append(
            KeyProblem("missing", f"JWT key file missing: {', '.join(missing)}", f"Run `{fix}`.")
        )
    kids: list[str | None] = []
    for pem, private, storage, name, label in (
        (private_pem, True, private_storage, private_name, "private key"),
        (public_pem, False, public_storage, public_name, "public key"),
    ):
        # An empty file is not a key; a file that cannot be read is reported as that alone.
        try:
            kids.append(
                _parse_key_id(pem, private, describe_location(storage, name))
                if pem is not None and label not in unreadable
                else None
            )
        except _ProblemError as found:
            problems.append(found.problem)
            kids.append(None)
    private_kid, public_kid = kids
    if private_kid is not None and public_kid is not None and private_kid != public_kid:
        problems.append(
            KeyProblem(
                "mismatch",
                "The JWT public key does not belong to the private key: every token would be "
                "refused.",
                _REPLACE,
            )
        )
    if private_pem is not None and os.name == "posix":
        problems.extend(_permission_problems(private_storage, private_name))
    return problems


def _previous_keys_problems() -> list[KeyProblem]:
    jwt_settings = get_jwt_settings()
    storage, name = key_storage("public"), jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH
    location = describe_location(storage, name)
    hint = (
        "Restore it from a backup, or delete it (tokens signed by the keys in it then stop "
        f"working); `{MAKE_KEYS_FORCE}` also starts afresh."
    )
    try:
        content = _read(storage, name, "previous-keys document")
        if content is not None:
            parse_previous_keys(content, jwt_settings.JWT_ALGORITHM)
    except _ProblemError as found:
        return [KeyProblem("previous_keys", found.problem.message, hint)]
    except Exception as exc:
        return [
            KeyProblem(
                "previous_keys",
                f"The JWT previous-keys document {location} is unusable: {exc}",
                hint,
            )
        ]
    return []


def _permission_problems(storage: Storage, name: str) -> list[KeyProblem]:
    try:
        path = storage.path(name)
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except (NotImplementedError, OSError):
        return []  # remote storages have no file mode
    if mode & 0o077:
        return [
            KeyProblem(
                "permissions",
                f"The JWT private key {path} has mode {mode:04o}: group or others can access it.",
                f"Run `chmod 600 {shlex.quote(path)}`.",
            )
        ]
    return []


def diagnose_keys() -> list[KeyProblem]:
    """Everything wrong with the stored keys, read afresh (not from the cache); empty if usable.

    Never raises for a storage failure: a storage that cannot be reached is a problem found.
    """
    return _key_pair_problems() + _previous_keys_problems()
