"""Jinja filters for the template, loaded by cookiecutter through ``_extensions``.

Free-text answers (project name, description, author) may hold quotes, backslashes or
non-ASCII letters. Rendering them raw into Python or TOML would break those files, so
every such answer goes through the filter for its target language.

Being imported by cookiecutter itself, this module is also where the template quiets
cookiecutter's traceback after a refusing hook (see ``HookFailureWithoutTraceback``).
"""

from __future__ import annotations

import json
import logging

from cookiecutter.utils import simple_filter


class HookFailureWithoutTraceback(logging.Filter):
    """Drop the traceback cookiecutter logs when a hook exits non-zero.

    The pre-generation hook has already printed one line per bad answer; cookiecutter's own
    traceback of its FailedHookException would only bury that line. The message stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Stopping generation because"):
            record.exc_info = None
            record.exc_text = None
        return True


_hooks_logger = logging.getLogger("cookiecutter.hooks")
if not any(isinstance(existing, HookFailureWithoutTraceback) for existing in _hooks_logger.filters):
    _hooks_logger.addFilter(HookFailureWithoutTraceback())


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
