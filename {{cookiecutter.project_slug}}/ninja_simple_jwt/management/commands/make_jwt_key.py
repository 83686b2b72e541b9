"""``python manage.py make_jwt_key [--force | --rotate]``: create or rotate the signing key pair.

Rotation keeps each retired public key in the previous-keys document (see ``keys.storage``)
until no token it signed can be alive.
"""

from __future__ import annotations

import json
import shlex
from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from ninja_simple_jwt.conf import get_jwt_settings
from ninja_simple_jwt.keys.algorithms import (
    PrivateKey,
    PublicKey,
    generate_private_key,
    key_id,
    private_key_pem,
    public_key_pem,
)
from ninja_simple_jwt.keys.cache import key_cache
from ninja_simple_jwt.keys.reader import (
    KeyMaterialError,
    KeyMissingError,
    read_previous_keys,
    read_public_key,
    replace_keys_hint,
)
from ninja_simple_jwt.keys.storage import (
    RetiredKey,
    SettingsKeyStorage,
    describe_location,
    format_time,
    key_storage,
    replace_file,
    serialize_previous_keys,
)


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
            if options["rotate"]:
                self._rotate()
            elif not self._create(options["force"]):
                return
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        except KeyMaterialError as exc:  # rotation keeps what it cannot read: nothing changed
            raise CommandError(f"{exc} {exc.hint}") from exc
        except Exception as exc:
            raise CommandError(f"Could not save the JWT keys: {type(exc).__name__}: {exc}") from exc
        finally:
            key_cache.clear()
        self._print_environment()

    def _create(self, force: bool) -> bool:
        """A new pair; without ``force``, nothing changes (False) if either key exists."""
        jwt_settings = get_jwt_settings()
        private = (key_storage("private"), jwt_settings.JWT_PRIVATE_KEY_PATH)
        public = (key_storage("public"), jwt_settings.JWT_PUBLIC_KEY_PATH)
        existing = [describe_location(*key) for key in (private, public) if key[0].exists(key[1])]
        if existing and not force:
            self.stdout.write(
                "JWT keys already exist, nothing changed:\n"
                + "".join(f"  {location}\n" for location in existing)
                + "Use `make_jwt_key --rotate` for a new signing key that signs nobody out. "
                + replace_keys_hint("to replace them")
            )
            return False
        self._write_pair(generate_private_key(jwt_settings.JWT_ALGORITHM), "Created a new")
        if force:
            replace_file("public", jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH, None)
        return True

    def _rotate(self) -> None:
        """A new pair; the current public key joins the previous keys, which drop those retired
        longer ago than the retention period (refresh + access lifetime + leeway)."""
        jwt_settings = get_jwt_settings()
        try:
            current: PublicKey | None = read_public_key()
        except KeyMissingError:
            current = None  # no pair yet: this creates one
        stored = read_previous_keys()
        now, retention = datetime.now(UTC), jwt_settings.retention_period
        private_key = generate_private_key(jwt_settings.JWT_ALGORITHM)
        retired = None if current is None else RetiredKey(key_id(current), current, now)
        alive = [key for key in stored if key.retired_at + retention > now]
        kept = [key for key in alive if retired is None or key.kid != retired.kid]
        if retired is not None and retired.kid != key_id(private_key.public_key()):
            kept.append(retired)
        # The previous keys first: the retiring key verifies at every moment of the change.
        document = serialize_previous_keys(kept) if kept else None
        replace_file("public", jwt_settings.JWT_PREVIOUS_PUBLIC_KEYS_PATH, document)
        self._write_pair(private_key, "Rotated the")
        if retired is None:
            self.stdout.write("  There was no key to retire.")
        else:
            until = format_time(now + retention)
            self.stdout.write(f"  retired kid: {retired.kid}, verifies tokens until {until}")
        dropped = len(stored) - len(alive)
        self.stdout.write(f"  previous keys: {len(kept)} kept, {dropped} expired and dropped")
        if not isinstance(key_storage("private"), SettingsKeyStorage):  # else: see below
            self.stdout.write(
                "Running processes sign with the new key within JWT_KEY_RELOAD_INTERVAL; "
                "restart them to switch at once."
            )

    def _write_pair(self, private_key: PrivateKey, verb: str) -> None:
        jwt_settings = get_jwt_settings()
        public_key = private_key.public_key()
        # The public key first: a process reading the pair in between finds the retiring private
        # key, which still verifies (rotation) or is refused as a mismatch (--force).
        public_pem, private_pem = public_key_pem(public_key), private_key_pem(private_key)
        public = replace_file("public", jwt_settings.JWT_PUBLIC_KEY_PATH, public_pem)
        private = replace_file("private", jwt_settings.JWT_PRIVATE_KEY_PATH, private_pem)
        self.stdout.write(self.style.SUCCESS(f"{verb} {jwt_settings.JWT_ALGORITHM} key pair:"))
        self.stdout.write(f"  private key: {private}\n  public key:  {public}")
        self.stdout.write(f"  key id (kid): {key_id(public_key)}")

    def _print_environment(self) -> None:
        """Keys from settings (``JWT_PRIVATE_KEY`` ...) live in the environment: nothing was
        written, so print the new values, one line each, for the secret store."""
        files: dict[str, bytes] = {}
        for store in (key_storage("private"), key_storage("public")):
            files.update(store.files if isinstance(store, SettingsKeyStorage) else {})
        if not files:
            return
        self.stdout.write(
            "The keys come from settings (environment variables): nothing was written. Set "
            "these, then restart the app servers (PEM newlines are written as \\n):"
        )
        for variable in ("JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "JWT_PREVIOUS_PUBLIC_KEYS"):
            data = files.get(getattr(get_jwt_settings(), f"{variable}_PATH"))
            if data is None:
                self.stdout.write(f"unset {variable}")
                continue
            if variable == "JWT_PREVIOUS_PUBLIC_KEYS":  # JSON on one line
                text = json.dumps(json.loads(data), separators=(",", ":"))
            else:
                text = data.decode().replace("\n", "\\n")
            self.stdout.write(f"{variable}={shlex.quote(text)}")
