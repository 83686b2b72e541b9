"""Prepare one benchmark target in its own environment: keys, database, the benchmark user.

Run with the target's folder on PYTHONPATH and DJANGO_SETTINGS_MODULE set:
    python setup_target.py --username bench --password ... [--make-keys make_jwt_key]
"""

from __future__ import annotations

import argparse
import io


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--make-keys", help="the management command that writes the key pair")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    if args.make_keys:
        call_command(args.make_keys, stdout=io.StringIO())
    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    user_model._default_manager.filter(**{user_model.USERNAME_FIELD: args.username}).delete()
    user_model._default_manager.create_user(
        **{user_model.USERNAME_FIELD: args.username}, password=args.password
    )


if __name__ == "__main__":
    main()
