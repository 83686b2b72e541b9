"""``python manage.py make_rsa [--force | --rotate]``: create or rotate the signing key pair.

The name comes from the library; the keys are of the kind ``JWT_ALGORITHM`` needs (RSA for
RS256, EC P-256 for ES256, Ed25519 for EdDSA).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from ninja_simple_jwt.keys.rotation import (
    KeyPairExistsError,
    KeyRotationError,
    SavedKeyPair,
    rotate_key_pair,
    save_key_pair,
)
from ninja_simple_jwt.keys.storage import format_time


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
                + "Use `make_rsa --rotate` for a new signing key that signs nobody out, or "
                "`make_rsa --force` to replace them (this signs every user out)."
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
        self.stdout.write(
            "Restart the app servers to sign with the new key at once; a running process "
            "switches when it first meets a token with the new kid."
        )
