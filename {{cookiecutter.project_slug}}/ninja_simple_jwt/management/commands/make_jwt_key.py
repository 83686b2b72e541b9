"""``python manage.py make_jwt_key [--force | --rotate]``: create or rotate the signing key pair.

The name is the library's (``make_rsa``, its first name, stays as an alias); the keys are of
the kind ``JWT_ALGORITHM`` needs (RSA for RS256, EC P-256 for ES256, Ed25519 for EdDSA).
"""

from __future__ import annotations

import json
import shlex
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.keys.rotation import (
    KeyPairExistsError,
    KeyRotationError,
    SavedKeyPair,
    rotate_key_pair,
    save_key_pair,
)
from ninja_simple_jwt.keys.storage import SettingsKeyStorage, format_time, key_storage


class Command(BaseCommand):
    help = (
        "Create the key pair that signs and verifies JWTs (of the kind JWT_ALGORITHM needs) in "
        "the JWT key storages. Existing keys are kept unless --force (replace them) or --rotate "
        "(a new signing key; the old public key still verifies) is given."
    )
    # The checks report missing keys as errors: they must not stop the command that makes them.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django reads this class attribute

    def add_arguments(self, parser: ArgumentParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--force",
            action="store_true",
            help="Replace existing keys and forget the previous keys. Every issued token stops "
            "working: all users are signed out.",
        )
        mode.add_argument(
            "--rotate",
            action="store_true",
            help="Make a new signing key pair; the current public key keeps verifying the "
            "tokens it signed until they can no longer be alive. Nobody is signed out.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            saved = rotate_key_pair() if options["rotate"] else save_key_pair(options["force"])
        except KeyPairExistsError as exc:
            self.stdout.write(
                "JWT keys already exist, nothing changed:\n"
                + "".join(f"  {location}\n" for location in exc.locations)
                + "Use `make_jwt_key --rotate` for a new signing key that signs nobody out, or "
                "`make_jwt_key --force` to replace them (this signs every user out)."
            )
            return
        except (ImproperlyConfigured, KeyRotationError) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(f"Could not save the JWT keys: {type(exc).__name__}: {exc}") from exc
        verb = "Rotated the" if options["rotate"] else "Created a new"
        self.stdout.write(self.style.SUCCESS(f"{verb} {saved.algorithm} key pair:"))
        self.stdout.write(f"  private key: {saved.private_key_location}")
        self.stdout.write(f"  public key:  {saved.public_key_location}")
        self.stdout.write(f"  key id (kid): {saved.kid}")
        if options["rotate"]:
            self._report_rotation(saved)
        self._print_environment()

    def _print_environment(self) -> None:
        """Keys from settings (``JWT_PRIVATE_KEY`` ...) live in the environment: nothing was
        written, so print the new values, one line each, for the secret store."""
        jwt_settings = get_jwt_settings()
        variables = {
            jwt_settings.JWT_PRIVATE_KEY_PATH: "JWT_PRIVATE_KEY",
            jwt_settings.JWT_PUBLIC_KEY_PATH: "JWT_PUBLIC_KEY",
            jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH: "JWT_PREVIOUS_PUBLIC_KEYS",
        }
        stores = [key_storage("private"), key_storage("public")]
        files = {
            name: data
            for store in stores
            if isinstance(store, SettingsKeyStorage)
            for name, data in store.files.items()
        }
        if not files:
            return
        self.stdout.write(
            "The keys come from settings (environment variables): nothing was written. Set "
            "these, then restart the app servers (PEM newlines are written as \\n):"
        )
        for name, variable in variables.items():
            if name not in files:
                self.stdout.write(f"unset {variable}")
            elif variable == "JWT_PREVIOUS_PUBLIC_KEYS":  # JSON on one line
                document = json.dumps(json.loads(files[name]), separators=(",", ":"))
                self.stdout.write(f"{variable}={shlex.quote(document)}")
            else:
                pem = files[name].decode().replace("\n", "\\n")
                self.stdout.write(f"{variable}={shlex.quote(pem)}")

    def _report_rotation(self, saved: SavedKeyPair) -> None:
        if saved.retired is None or saved.retired_verifies_until is None:
            self.stdout.write("  There was no key to retire.")
        else:
            self.stdout.write(
                f"  retired kid: {saved.retired.kid}, verifies tokens until "
                f"{format_time(saved.retired_verifies_until)}"
            )
        self.stdout.write(
            f"  previous keys: {len(saved.kept_kids)} kept, "
            f"{len(saved.dropped_kids)} expired and dropped"
        )
        if not isinstance(key_storage("private"), SettingsKeyStorage):  # else: see below
            self.stdout.write(
                "Restart the app servers to sign with the new key at once; a running process "
                "switches when it first meets a token with the new kid."
            )
