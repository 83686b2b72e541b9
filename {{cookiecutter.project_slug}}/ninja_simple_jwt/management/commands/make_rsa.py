"""``python manage.py make_rsa [--force]``: create the JWT signing key pair."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from ninja_simple_jwt.jwt.keys import KeyPairExistsError, save_key_pair

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Create the RSA key pair that signs and verifies JWTs, saved through the "
        "JWT_PRIVATE_KEY_STORAGE / JWT_PUBLIC_KEY_STORAGE storages. Existing keys are kept "
        "unless --force is given."
    )
    # The system checks report missing keys as errors: they must not stop the command that
    # creates them.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django reads this class attribute

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace existing keys. Every issued token stops working: all users are "
            "signed out.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        force: bool = options["force"]
        try:
            saved = save_key_pair(force=force)
        except KeyPairExistsError as exc:
            self.stdout.write(
                "JWT keys already exist, nothing changed:\n"
                + "".join(f"  {location}\n" for location in exc.existing_locations)
                + "Use `make_rsa --force` to replace them (this signs every user out)."
            )
            return
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(
                f"Could not save the JWT key pair: {type(exc).__name__}: {exc}"
            ) from exc
        self.stdout.write(self.style.SUCCESS("Created a new JWT key pair:"))
        self.stdout.write(f"  private key: {saved.private_key_location}")
        self.stdout.write(f"  public key:  {saved.public_key_location}")
