#!/usr/bin/env bash
# Regenerate the template's uv.lock from scratch; rerun it after changing the dependencies in
# the template's pyproject.toml (it needs the package index, and .venvs/py311 from scripts/test.sh):
#   bash scripts/lock.sh
#
# The dependencies vary with two answers, so there are four locks to make:
#   1. bake one project per variant (database x key_storage; "env" locks like "local"),
#   2. run `uv lock` in each, without the lock the template already ships,
#   3. merge the four into {{cookiecutter.project_slug}}/uv.lock, a Jinja template: lines that
#      only some variants have sit in {% if %} blocks, and the project's own entry takes its
#      name from project_slug and its place among the packages, which uv sorts by name,
#   4. bake each variant again and check that its uv.lock is byte for byte the one uv wrote.
# An answer that comes to change the dependencies too needs its values in `variants` (and in
# the bakes' arguments) and its test in condition().
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$PWD/.venvs/py311/bin
template_lock=$PWD/'{{cookiecutter.project_slug}}/uv.lock'
slug=lock_probe  # any slug will do: the merge swaps its name for the answer's
variants=("sqlite local" "postgresql local" "sqlite s3" "postgresql s3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bake() {  # bake DIR DATABASE KEY_STORAGE: print the baked project's folder
    "$bin/cookiecutter" --no-input --output-dir "$1" . \
        project_slug=$slug database="$2" key_storage="$3" >/dev/null
    echo "$1/$slug"
}

mkdir "$work/locks"
for variant in "${variants[@]}"; do
    read -r database key_storage <<<"$variant"
    project=$(bake "$work/fresh-$database-$key_storage" "$database" "$key_storage")
    rm -f "$project/uv.lock"
    # The projects' lock names PyPI, whatever index this machine's uv configuration prefers.
    (cd "$project" && "$bin/uv" lock --quiet --python "$bin/python" \
        --default-index https://pypi.org/simple)
    cp "$project/uv.lock" "$work/locks/$database-$key_storage.lock"
done

"$bin/python" - "$work/locks" "$template_lock" "${slug//_/-}" <<'PY'
"""Merge the variants' locks (named DATABASE-KEY_STORAGE.lock) into one Jinja template."""

import difflib
import re
import sys
from pathlib import Path

locks, template, probe_name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
texts = {tuple(path.stem.split("-")): path.read_text() for path in sorted(locks.glob("*.lock"))}
ALL = frozenset(texts)
PROJECT_SOURCE = 'source = { editable = "." }'


def condition(owners):
    """The Jinja test that holds exactly for the variants in ``owners``."""
    databases, storages = {d for d, _ in owners}, {s for _, s in owners}
    if {(d, s) for d in databases for s in storages} != owners:  # not one test per answer
        return " or ".join(f"({condition({owner})})" for owner in sorted(owners))
    tests = []
    if len(databases) == 1:
        tests.append(f'cookiecutter.database == "{databases.pop()}"')
    if len(storages) == 1:
        tests.append(f'cookiecutter.key_storage {"==" if storages.pop() == "s3" else "!="} "s3"')
    return " and ".join(tests)


def merge(sequences):
    """Interleave the variants' sequences into one: [(item, the variants that have it)]."""
    merged = []
    for variant, items in sequences.items():
        matcher = difflib.SequenceMatcher(None, [item for item, _ in merged], items, autojunk=False)
        result = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                result += [(item, owners | {variant}) for item, owners in merged[i1:i2]]
            else:
                result += merged[i1:i2]
                result += [(item, frozenset({variant})) for item in items[j1:j2]]
        merged = result
    for variant, items in sequences.items():  # each variant must come back out unchanged
        assert [item for item, owners in merged if variant in owners] == items, variant
    return merged


def jinja(lines):
    """Lines with their owners -> template lines, {% if %} around those not all variants have."""
    out, current = [], ALL
    for line, owners in lines:
        if owners != current:
            if current != ALL:
                out.append("{% endif %}")
            if owners != ALL:
                out.append(f"{{% if {condition(owners)} %}}")
            current = owners
        out.append(line)
    if current != ALL:
        out.append("{% endif %}")
    return out


# Each lock, as lines: a header, then one block per package, from the blank line before its
# "[[package]]" to the next; the project's own block (source "editable") is kept apart.
header, blocks, project = {}, {}, {}
for variant, text in texts.items():
    assert not re.search(r"\{[{%#]", text), "the lock holds Jinja syntax"
    names = re.findall(r'^name = "(.*)"$', text, re.MULTILINE)
    assert names == sorted(names), f"{variant}: uv no longer sorts packages by name"
    lines = text.removesuffix("\n").split("\n")
    starts = [i - 1 for i, line in enumerate(lines) if line == "[[package]]"]
    assert all(lines[i] == "" for i in starts)
    header[variant], blocks[variant] = lines[: starts[0]], {}
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        block = lines[start:end]
        if block[4] == PROJECT_SOURCE:
            project[variant] = block
        else:  # keyed by its name and version lines
            blocks[variant][block[2], block[3]] = block

out = [
    "{# Made by scripts/lock.sh (rerun it rather than edit this): one uv lock for every answer. #}",
    '{% set project = cookiecutter.project_slug.split("_") | select | join("-") %}',
    "{% set placed = namespace(project=false) %}",
    "{# The project's own entry, placed below where uv sorts it among the packages. #}",
    "{% set project_package %}",
]
project_lines = merge(project)
assert project_lines[2][0] == f'name = "{probe_name}"', project_lines[:3]
project_lines[2] = ('name = "{{ project }}"', project_lines[2][1])
out += jinja(project_lines)
out.append("{% endset %}")

body = merge(header)
for (name_line, version_line), owners in merge({v: list(b) for v, b in blocks.items()}):
    name = re.fullmatch(r'name = "(.*)"', name_line).group(1)
    marker = (
        f'{{% if not placed.project and project < "{name}" %}}'
        "{% set placed.project = true %}{{ project_package }}{% endif %}"
    )
    body.append((marker, owners))
    body += merge({v: blocks[v][name_line, version_line] for v in sorted(owners)})
body.append(("{% if not placed.project %}{{ project_package }}{% endif %}", ALL))
out += jinja(body)
template.write_text("\n".join(out) + "\n")
PY

echo "Wrote $template_lock; checking it in a new bake of each variant"
for variant in "${variants[@]}"; do
    read -r database key_storage <<<"$variant"
    project=$(bake "$work/check-$database-$key_storage" "$database" "$key_storage")
    cmp "$project/uv.lock" "$work/locks/$database-$key_storage.lock"
    (cd "$project" && "$bin/uv" lock --check --offline --quiet --python "$bin/python")
    echo "  $database + $key_storage: same lock, uv lock --check passes"
done
