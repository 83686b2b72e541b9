# Shell helpers shared by scripts/test.sh and bench/run.sh (source it; it runs nothing itself).

find_python() {  # find_python 3.13 -> path of a python3.13 (PATH first, then pyenv)
    local version=$1 candidate
    for candidate in "python$version" "$(pyenv root 2>/dev/null)/versions/$version"*/bin/python "$HOME/.pyenv/versions/$version"*/bin/python; do
        # pyenv's shims exist for every installed version but run only the selected ones: try it.
        if "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "Python $version not found (install it, e.g. with pyenv)" >&2
    return 1
}
