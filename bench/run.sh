#!/usr/bin/env bash
# The benchmark of issues 6 and 15, in one command: bash bench/run.sh
#
# Bakes a project with the default answers, serves it and minimal equivalent projects of
# django-ninja-simple-jwt 0.8.1 and django-ninja-jwt 5.4.5 under gunicorn on 127.0.0.1, loads
# each with wrk (or a Python fallback), runs the no-HTTP micro benchmark and times N bakes,
# then prints the tables and writes docs/benchmark.md and docs/benchmark.png. Sign-in runs with
# each target's own password hasher (ours Argon2id, the peers PBKDF2); /me both with one token
# and with thousands of distinct ones; refresh follows rotation wherever tokens rotate.
# The code: bench/harness.py (driver), targets.py (projects, servers), loadruns.py and loadgen.py
# (load), micro_report.py (micro benchmark), report.py (checks, tables, chart, docs).
#
# Throwaway environments are cached under .venvs/bench-*-<hash of the requirements>, so only
# the first run installs anything. Scratch files go to .bench/ (both git-ignored).
#   BENCH_DURATION  seconds of each measured load run (default 2). The 3,000 distinct access
#                   tokens of /me are minted once, before the rounds, and live 15 minutes: a very
#                   long BENCH_DURATION (times BENCH_ROUNDS) outlives them.
#   BENCH_ROUNDS    measured runs per target and endpoint, the targets taking turns (default 3)
#   BENCH_BAKES     bakes timed for the generation cost (default 5)
#   BENCH_LOADGEN   wrk or python (default: wrk when installed)
#   BENCH_NO_DOCS=1 print only; leave docs/ alone
set -euo pipefail
repository=$(cd "$(dirname "$0")/.." && pwd)
cd "$repository"
started=$SECONDS

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

python=$(find_python 3.11)

venv_for() {  # venv_for NAME REQUIREMENTS: print the cached environment's folder for these pins
    local hash
    hash=$(cat bench/requirements-common.txt "$2" <("$python" -VV) | sha256sum | cut -c1-12)
    echo ".venvs/bench-$1-$hash"
}

make_venv() {  # make_venv NAME REQUIREMENTS: build it unless cached; drop stale ones
    local dir stale
    dir=$(venv_for "$1" "$2")
    # A copied or moved environment keeps its old scripts' #! lines: pip failing to start says so.
    if [ -f "$dir/.complete" ] && "$dir/bin/pip" --version >/dev/null 2>&1; then return 0; fi
    for stale in .venvs/bench-"$1"-*; do
        [ -e "$stale" ] && [ "$stale" != "$dir" ] && rm -rf "$stale"
    done
    rm -rf "$dir"
    "$python" -m venv "$dir"
    if ! "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$2" >"$dir.log" 2>&1; then
        cat "$dir.log" >&2
        return 1
    fi
    touch "$dir/.complete"
    rm -f "$dir.log"
}

# wrk sends the loads (bench/loadgen.py falls back to Python without it, with other numbers):
# installed here when missing and this user may, as .ci/run installs the tests' packages.
if ! command -v wrk >/dev/null 2>&1 && [ "${BENCH_LOADGEN:-wrk}" = wrk ] \
    && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing wrk (apt-get) ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; } \
        >/dev/null 2>&1 || echo "bench: could not install wrk; the Python load generator sends the loads"
fi

mkdir -p .venvs
if ! [ -f "$(venv_for ours bench/requirements-ours.txt)/.complete" ] \
    || ! [ -f "$(venv_for peers bench/requirements-peers.txt)/.complete" ]; then
    echo "bench: installing the throwaway environments (first run only) ..."
fi
# Both at once: downloads dominate, and they do not share a folder.
make_venv ours bench/requirements-ours.txt &
ours_job=$!
make_venv peers bench/requirements-peers.txt &
peers_job=$!
wait "$ours_job"
wait "$peers_job"
echo "bench: environments ready after $((SECONDS - started)) s"

exec "$repository/$(venv_for ours bench/requirements-ours.txt)/bin/python" bench/harness.py \
    --peers-python "$repository/$(venv_for peers bench/requirements-peers.txt)/bin/python" \
    --setup-seconds "$((SECONDS - started))"
