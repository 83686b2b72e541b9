#!/usr/bin/env bash
# Run tests again and again, to catch a test that fails only now and then. Stops at the first
# failing run and shows its output.
#   uv run bash scripts/repeat_tests.sh            # 200 runs of the test modules that use time
#   uv run bash scripts/repeat_tests.sh 50 tests/test_api.py -k sign_in
# The first argument is the number of runs; the rest go to pytest. Without test paths, it picks
# every test module that reads or moves the clock.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-200}
shift || true
if [ $# -eq 0 ]; then
    mapfile -t modules < <(grep -lE "clock|time\.time|datetime\.now|timezone\.now" \
        tests/test_*.py ninja_simple_jwt/tests/test_*.py)
    set -- "${modules[@]}"
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for run in $(seq 1 "$runs"); do
    if ! python -m pytest -q -p no:cacheprovider "$@" >"$log" 2>&1; then
        cat "$log"
        echo "run $run of $runs failed"
        exit 1
    fi
    [ -t 1 ] && printf '\rrun %d of %d passed' "$run" "$runs"  # progress, on a terminal only
done
[ -t 1 ] && echo
echo "$runs runs passed: $*"
