"""Micro benchmark, no HTTP: the app's token functions beside raw PyJWT, per algorithm.

Runs inside a baked project (its folder on PYTHONPATH, DJANGO_SETTINGS_MODULE set, usually to
the benchmark settings). For RS256, ES256 and EdDSA it makes a key pair with ``make_rsa`` in a
temporary folder (the project's two key ``STORAGES`` pointed there), then times, in microseconds:

- ``verify_token(token, "access")`` and ``mint_token(user, "access", session_id=...)`` of
  ``ninja_simple_jwt`` (verification both on a token's first use and on its reuse, which skips
  the signature check); minting takes the session's public id and makes no query, so no
  session row is needed here;
- ``HttpJwtAuth`` on a request carrying the token (what a protected request pays for auth);
- the floor: ``jwt.decode`` / ``jwt.encode`` of PyJWT with the key already parsed;
- the signature alone: PyJWT's algorithm object verifying / signing the same bytes.

Each figure is this thread's CPU time (time the machine gives to other processes does not
count), the best of several timed batches (as ``timeit`` advises: the others only add the noise
of a busy machine), the app's and the floor's batches taking turns.

    python micro.py [--json results.json]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ALGORITHMS = ("RS256", "ES256", "EdDSA")
ROUNDS = 15
BATCH_SECONDS = 0.02


def _batch_size(function: Callable[[], Any]) -> int:
    """How many calls take about BATCH_SECONDS."""
    calls = 1
    while True:
        started = time.thread_time()
        for _ in range(calls):
            function()
        elapsed = time.thread_time() - started
        if elapsed >= BATCH_SECONDS / 4:
            return max(1, round(calls * BATCH_SECONDS / elapsed))
        calls *= 2


def time_per_call(functions: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Microseconds per call of each function: the best of ROUNDS batches.

    The functions take turns, one batch each per round, so a burst of load from elsewhere on
    the machine slows the app and its floor alike instead of skewing their ratio.
    """
    sizes = {name: _batch_size(function) for name, function in functions.items()}
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(ROUNDS):
        for name, function in functions.items():
            started = time.thread_time()
            for _ in range(sizes[name]):
                function()
            best[name] = min(best[name], (time.thread_time() - started) / sizes[name])
    return {name: seconds * 1e6 for name, seconds in best.items()}


def _base64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _key_storages_in(folder: str) -> dict[str, Any]:
    """The project's ``STORAGES`` with the two key storages' files in ``folder``."""
    from django.conf import settings

    keys = ("jwt_private_key", "jwt_public_key")
    return {
        alias: {**entry, "OPTIONS": {**entry.get("OPTIONS", {}), "location": folder}}
        if alias in keys
        else entry
        for alias, entry in settings.STORAGES.items()
    }


def measure(algorithm: str) -> dict[str, float]:
    import jwt
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import RequestFactory, override_settings
    from ninja_simple_jwt import tokens
    from ninja_simple_jwt.auth.ninja_auth import HttpJwtAuth
    from ninja_simple_jwt.keys.cache import key_cache
    from ninja_simple_jwt.models import new_session_id

    with (
        tempfile.TemporaryDirectory() as folder,
        override_settings(
            STORAGES=_key_storages_in(folder),
            NINJA_SIMPLE_JWT={**settings.NINJA_SIMPLE_JWT, "JWT_ALGORITHM": algorithm},
        ),
    ):
        call_command("make_rsa", stdout=io.StringIO())
        # An unsaved user and a made-up session id: minting reads them only, never the database.
        user = get_user_model()(pk=1, **{get_user_model().USERNAME_FIELD: "bench"})
        session_id = new_session_id()
        token = tokens.mint_token(user, "access", session_id=session_id).token
        tokens.verify_token(token, "access")  # loads and caches the keys
        signing_key = key_cache.signing_key()
        public_key = key_cache.find(signing_key.kid)
        assert public_key is not None
        private_key = signing_key.private_key

        claims = jwt.decode(token, public_key, algorithms=[algorithm])
        headers = {"kid": signing_key.kid}
        signing_input, _, signature_segment = token.rpartition(".")
        message, signature = signing_input.encode(), _base64url_decode(signature_segment)
        signer = jwt.get_algorithm_by_name(algorithm)
        assert signer.verify(message, public_key, signature)

        auth = HttpJwtAuth()
        request = RequestFactory().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert auth(request) is not None

        # The app remembers tokens whose signature it verified; "first use" empties that
        # memory before each call (as for a token this process has not seen), "reuse" does not.
        def verify_first_use() -> dict[str, Any]:
            tokens.forget_verified_tokens()
            return tokens.verify_token(token, "access")

        verification = time_per_call(
            {
                "verify_app_us": verify_first_use,
                "verify_app_reuse_us": lambda: tokens.verify_token(token, "access"),
                "verify_pyjwt_us": lambda: jwt.decode(token, public_key, algorithms=[algorithm]),
                "verify_signature_us": lambda: signer.verify(message, public_key, signature),
                "auth_class_us": lambda: auth(request),
            }
        )
        minting = time_per_call(
            {
                "mint_app_us": lambda: tokens.mint_token(user, "access", session_id=session_id),
                "mint_pyjwt_us": lambda: jwt.encode(
                    claims, private_key, algorithm=algorithm, headers=headers
                ),
                "mint_signature_us": lambda: signer.sign(message, private_key),
            }
        )
        return {**verification, **minting}


def format_table(results: dict[str, dict[str, float]]) -> str:
    header = (
        "algorithm | verify: app  reuse  PyJWT  signature  app/PyJWT | HttpJwtAuth |"
        " mint: app  PyJWT  signature  app/PyJWT   (µs per op)"
    )
    lines = [header, "-" * len(header)]
    for algorithm, row in results.items():
        verify_ratio = row["verify_app_us"] / row["verify_pyjwt_us"]
        mint_ratio = row["mint_app_us"] / row["mint_pyjwt_us"]
        lines.append(
            f"{algorithm:<9} | {row['verify_app_us']:>11.1f} {row['verify_app_reuse_us']:>6.1f}"
            f" {row['verify_pyjwt_us']:>6.1f}"
            f" {row['verify_signature_us']:>10.1f} {verify_ratio:>10.2f}"
            f" | {row['auth_class_us']:>11.1f} |"
            f" {row['mint_app_us']:>9.1f} {row['mint_pyjwt_us']:>6.1f}"
            f" {row['mint_signature_us']:>10.1f} {mint_ratio:>10.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.benchmark")
    import django

    django.setup()
    results = {algorithm: measure(algorithm) for algorithm in ALGORITHMS}
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
