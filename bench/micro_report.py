"""The micro benchmark (no HTTP): runs bench/micro.py in our project, and its table and text."""

from __future__ import annotations

import json
import sys
from typing import Final

from targets import BENCH, WORK, Target, run

MICRO_HEADER: Final = [
    "algorithm",
    "verify: app, first use",
    "app, reuse",
    "PyJWT decode",
    "signature only",
    "app ÷ PyJWT",
    "HttpJwtAuth",
    "mint: app",
    "PyJWT encode",
    "signature only",
    "app ÷ PyJWT",
]


def run_micro(ours: Target) -> dict[str, dict[str, float]]:
    """bench/micro.py in ``ours``' folder and settings; its numbers, by algorithm."""
    micro_file = WORK / "micro.json"
    output = run(
        [sys.executable, str(BENCH / "micro.py"), "--json", str(micro_file)],
        cwd=ours.folder,
        env=ours.environment(),
    )
    print(output, end="", flush=True)
    results: dict[str, dict[str, float]] = json.loads(micro_file.read_text())
    return results


def micro_rows(micro: dict[str, dict[str, float]]) -> list[list[str]]:
    return [
        [
            algorithm,
            f"{row['verify_app_us']:.1f}",
            f"{row['verify_app_reuse_us']:.1f}",
            f"{row['verify_pyjwt_us']:.1f}",
            f"{row['verify_signature_us']:.1f}",
            f"{row['verify_app_us'] / row['verify_pyjwt_us']:.2f}",
            f"{row['auth_class_us']:.1f}",
            f"{row['mint_app_us']:.1f}",
            f"{row['mint_pyjwt_us']:.1f}",
            f"{row['mint_signature_us']:.1f}",
            f"{row['mint_app_us'] / row['mint_pyjwt_us']:.2f}",
        ]
        for algorithm, row in micro.items()
    ]


def verification_paragraph(micro: dict[str, dict[str, float]]) -> str:
    """What bounds one RS256 verification, in this run's numbers."""
    row = micro["RS256"]
    app, pyjwt, signature = row["verify_app_us"], row["verify_pyjwt_us"], row["verify_signature_us"]
    reuse = row["verify_app_reuse_us"]
    return (
        f"What bounds one RS256 verification: the RSA signature check in OpenSSL"
        f" ({signature:.0f} µs here) is the hard floor for a token seen for the first time."
        f" PyJWT's `jwt.decode` adds {pyjwt - signature:.0f} µs of its own (splitting and"
        f" checking every segment, JSON, claim checks), {pyjwt:.0f} µs in all. The app's"
        f" `verify_token` on a token it has not seen: {app:.0f} µs, {app / pyjwt:.2f}x PyJWT's"
        f" decode, {app - pyjwt:+.0f} µs (what it checks beyond the signature is in"
        " `ninja_simple_jwt/tokens.py`). A token the process has already verified skips the"
        " signature check (whether its key is still trusted, its expiry and its type are"
        f" checked again): {reuse:.0f} µs."
    )
