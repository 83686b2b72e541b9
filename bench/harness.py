"""bench/run.sh's driver, run by the Python of the cached "ours" environment.

1. Times N bakes of the template with the default answers (cookiecutter and hooks, keys included).
2. Bakes and prepares the targets (bench/targets.py): our project as generated (RS256, refresh
   token rotation, Argon2id) and once more with EdDSA; the peer projects of bench/projects/
   (django-ninja-simple-jwt, and django-ninja-jwt twice: as its defaults, and with rotation and
   blacklisting). Each keeps its own default password hasher.
3. Runs bench/micro.py in our project (bench/micro_report.py): token verification and minting
   beside raw PyJWT.
4. Serves every target under gunicorn at once and loads each endpoint in turn with a bounded
   load generator (bench/loadruns.py, bench/loadgen.py); then stops them all.
5. Prints the tables and the targets' checks; writes docs/benchmark.md and docs/benchmark.png
   (bench/report.py).
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import time

import report as reporting
from loadgen import wrk_available
from loadruns import WARMUP_SECONDS, run_loads, sign_in_seconds
from micro_report import micro_rows, run_micro
from targets import WORK, build_targets, log, prepare, time_bakes


def main() -> None:
    parser = argparse.ArgumentParser(description="Run by bench/run.sh.")
    parser.add_argument("--peers-python", required=True)
    parser.add_argument("--setup-seconds", type=int, default=0)
    args = parser.parse_args()
    started = time.monotonic()
    seconds = int(os.environ.get("BENCH_DURATION", "2"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    bake_count = int(os.environ.get("BENCH_BAKES", "5"))
    generator = os.environ.get("BENCH_LOADGEN") or ("wrk" if wrk_available() else "python")
    if generator == "wrk" and not wrk_available():
        raise SystemExit("bench: BENCH_LOADGEN=wrk but wrk is not installed (apt-get install wrk)")
    if generator == "python":
        log("wrk not found: using the Python load generator (apt-get install wrk for wrk)")

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    log(f"timing {bake_count} bakes ...")
    bakes = time_bakes(bake_count)
    log(f"  median {statistics.median(bakes):.2f} s")

    target_list = build_targets(args.peers_python)
    targets = {target.key: target for target in target_list}
    log("preparing the targets (keys, database, user with the target's own hasher) ...")
    for target in target_list:
        prepare(target)

    log("micro benchmark ...")
    micro = run_micro(targets["ours-rs256"])

    log(
        f"load runs with {generator}: {rounds} rounds of {seconds} s per target and endpoint,"
        f" after a {WARMUP_SECONDS} s warm-up ..."
    )
    load_before = " ".join(f"{value:.2f}" for value in os.getloadavg())
    idle_before = reporting.other_work()
    run_loads(target_list, rounds, seconds, generator)
    idle_after = reporting.other_work()
    load_after = " ".join(f"{value:.2f}" for value in os.getloadavg())

    checks = reporting.evaluate(targets)
    other_checks = reporting.other_checks(micro, bakes)
    report = {
        "targets": targets,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": reporting.versions(args.peers_python),
        "machine": reporting.machine(),
        "generator": (
            reporting.wrk_version() if generator == "wrk" else "the Python load generator"
        ),
        "seconds": seconds,
        "rounds": rounds,
        "sign_in_seconds": sign_in_seconds(seconds),
        "warmup": WARMUP_SECONDS,
        "load_before": load_before,
        "load_after": load_after,
        "other_work": (idle_before, idle_after),
        "bakes": bakes,
        "checks": checks,
        "result_rows": reporting.results_rows(targets),
        "ratio_rows": reporting.ratio_rows(targets),
        "check_rows": reporting.check_rows(checks),
        "other_check_rows": reporting.check_rows(other_checks),
        "micro_rows": micro_rows(micro),
        "micro": micro,
    }
    text_table = reporting.text_table
    print()
    print(text_table(reporting.RESULT_HEADER, report["result_rows"]).replace("`", ""))
    print()
    print(text_table(["target", "ratio", "value"], report["ratio_rows"]))
    print()
    print(text_table(["target", "goal", "measured", "mark"], report["check_rows"]))
    print()
    print(text_table(["earlier target", "goal", "measured", "mark"], report["other_check_rows"]))
    print()
    print(f"versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}")
    print(f"machine: {report['machine']['cpus']} CPUs; load average {load_before} -> {load_after}")
    if reporting.busy_note(report):
        print(f"NOTE: {reporting.busy_note(report)}")
    if os.environ.get("BENCH_NO_DOCS") != "1":
        reporting.write_docs(report)
        log("wrote docs/benchmark.md and docs/benchmark.png")
    total = args.setup_seconds + (time.monotonic() - started)
    log(f"done in {total:.0f} s (environments {args.setup_seconds} s)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("bench: interrupted; every server it started is stopped") from None
