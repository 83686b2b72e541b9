"""Run a settings module as a fresh process would, to test what it reads from the environment."""

import importlib
import runpy
import sys
from typing import Any

import environ
import pytest

# What production.py requires; tests of other variables give these placeholder values.
REQUIRED_IN_PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-placeholder-secret-key-for-tests-only",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
{% if cookiecutter.key_storage == "s3" %}
    "JWT_PRIVATE_KEY_BUCKET": "placeholder-private-bucket",
    "JWT_PUBLIC_KEY_BUCKET": "placeholder-public-bucket",
{% elif cookiecutter.key_storage == "env" %}
    "JWT_PRIVATE_KEY": "placeholder private key",
    "JWT_PUBLIC_KEY": "placeholder public key",
{% endif %}
}


def settings_module(
    name: str, monkeypatch: pytest.MonkeyPatch, **variables: str | None
) -> dict[str, Any]:
    """The names ``config.settings.<name>`` defines with these environment variables.

    A value of None removes the variable. base.py runs again too, and the developer's .env is
    not read, so the result is what the module itself makes of the environment. Everything is
    put back afterwards; the running settings are not touched.
    """
    for variable, value in {**REQUIRED_IN_PRODUCTION, **variables}.items():
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    monkeypatch.setattr(environ.Env, "read_env", classmethod(lambda *args, **kwargs: None))
    package = importlib.import_module("config.settings")
    monkeypatch.setattr(package, "base", package.base)
    monkeypatch.delitem(sys.modules, "config.settings.base")
    return runpy.run_module(f"config.settings.{name}")
