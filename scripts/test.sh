#!/usr/bin/env bash
# Run every test of the template. Makes the two virtual environments the tests need, once:
#   .venvs/py311  the template's tools, shared by every baked project (Python 3.11, Django 5.2 LTS)
#   .venvs/py313  a baked project's suite on Python 3.13 with the newest Django 6.x
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k e2e`.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

make_venv() {  # make_venv DIR PYTHON REQUIREMENTS: (re)build only when the requirements changed
    local dir=$1 python=$2 requirements=$3 stamp=$1/.requirements
    if [ -x "$dir/bin/python" ] && cmp -s "$requirements" "$stamp"; then return 0; fi
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
}

make_venv .venvs/py311 "$(find_python 3.11)" requirements/tests.txt
make_venv .venvs/py313 "$(find_python 3.13)" requirements/project-py313.txt

export TEMPLATE_TEST_PY313="$PWD/.venvs/py313/bin/python"
# loadgroup: tests marked with one xdist_group run on one worker (one server for the browser tests).
exec .venvs/py311/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
