"""Jinja filters for the template: quote free-text answers for the file they land in.

Free-text answers (project name, description, author) may hold quotes, backslashes or
non-ASCII letters. Rendering them raw into Python or TOML would break those files, so
every such answer goes through the filter for its target language.
"""

from __future__ import annotations

import json

from cookiecutter.utils import simple_filter


@simple_filter
def python_string(value: object) -> str:
    """Return a Python string literal holding ``value``, double-quoted as ruff format prefers."""
    text = str(value)
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        # repr chose single quotes only by habit: the text holds no double quote to escape.
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


@simple_filter
def toml_string(value: object) -> str:
    """Return a TOML basic string holding ``value``.

    A JSON string is a valid TOML basic string once DEL is escaped too (TOML forbids it raw).
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
