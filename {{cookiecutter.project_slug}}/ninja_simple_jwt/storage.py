"""Local-disk storages for the key pair (the defaults of the ``JWT_*_KEY_STORAGE`` settings).

Files are created with their final permissions in the same system call that creates them,
so a private key is never readable by others, not even for an instant. Existing files are
never renamed around or overwritten: saving over an existing name raises ``FileExistsError``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Final

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.core.files.utils import validate_file_name
from django.core.signals import setting_changed
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

__all__ = [
    "PRIVATE_KEY_FILE_MODE",
    "PUBLIC_KEY_FILE_MODE",
    "ProjectRootStorage",
    "private_key_storage",
    "public_key_storage",
]

PRIVATE_KEY_FILE_MODE: Final = 0o600
PUBLIC_KEY_FILE_MODE: Final = 0o644


@deconstructible(path="ninja_simple_jwt.storage.ProjectRootStorage")
class ProjectRootStorage(FileSystemStorage):
    """A ``FileSystemStorage`` rooted at ``settings.BASE_DIR`` (else the working directory).

    The root is resolved when first used, not at import, so tests can move it with
    ``override_settings(BASE_DIR=...)``. ``file_permissions_mode`` (0o600 if unset) is
    applied when the file is created.
    """

    def __init__(self, location: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        super().__init__(location=location, **kwargs)
        self._explicit_location = location
        setting_changed.connect(self._forget_base_dir)

    @cached_property
    def base_location(self) -> str:
        if self._explicit_location is not None:
            return os.fspath(self._explicit_location)
        base_dir = getattr(settings, "BASE_DIR", None)
        return os.fspath(base_dir) if base_dir else os.getcwd()

    def _forget_base_dir(self, *, setting: str, **kwargs: Any) -> None:
        if setting == "BASE_DIR":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Never pick another name: a key saved as "jwt-signing_a1b2c3.pem" would be lost.
        name = str(name).replace("\\", "/")
        validate_file_name(name, allow_relative_path=True)
        return name

    def _save(self, name: str, content: File[Any]) -> str:
        full_path = Path(self.path(name))
        directory_mode = self.directory_permissions_mode
        if directory_mode is None:
            full_path.parent.mkdir(parents=True, exist_ok=True)
        else:
            full_path.parent.mkdir(mode=directory_mode, parents=True, exist_ok=True)

        mode = self.file_permissions_mode
        if mode is None:
            mode = PRIVATE_KEY_FILE_MODE
        # O_CREAT|O_EXCL: fail if the name exists (a symlink too) and apply the mode at creation.
        flags = (
            os.O_WRONLY
            | os.O_CREAT
            | os.O_EXCL
            | getattr(os, "O_BINARY", 0)
            | getattr(os, "O_NOFOLLOW", 0)
        )
        file_descriptor = os.open(full_path, flags, mode)
        output: IO[Any] | None = None
        try:
            # The umask may have removed bits (0o644 -> 0o600 under umask 077); set the exact
            # mode on the open descriptor before any content is written.
            if hasattr(os, "fchmod"):
                os.fchmod(file_descriptor, mode)
            for chunk in content.chunks():
                if output is None:
                    output = os.fdopen(file_descriptor, "wb" if isinstance(chunk, bytes) else "w")
                output.write(chunk)
        except BaseException:
            # Leave no half-written key behind.
            self._close(file_descriptor, output)
            full_path.unlink(missing_ok=True)
            raise
        self._close(file_descriptor, output)
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    @staticmethod
    def _close(file_descriptor: int, output: IO[Any] | None) -> None:
        if output is None:
            os.close(file_descriptor)
        else:
            output.close()


private_key_storage: Final = ProjectRootStorage(file_permissions_mode=PRIVATE_KEY_FILE_MODE)
public_key_storage: Final = ProjectRootStorage(file_permissions_mode=PUBLIC_KEY_FILE_MODE)
