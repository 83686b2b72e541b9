"""Passwords are hashed with Argon2id at OWASP's minimum parameters; hashes made by an older
hasher still sign in, and are upgraded on the way."""

from typing import Any

import pytest
from django.contrib.auth.hashers import get_hasher, make_password
from django.test import Client

from config.settings import base
from tests.conftest import LOGIN, PASSWORD, create_user, sign_in


@pytest.fixture
def real_hashers(settings: Any) -> None:
    """The project's hashers (the test settings use a fast one)."""
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


@pytest.mark.django_db
@pytest.mark.usefixtures("real_hashers")
def test_new_passwords_are_argon2id_at_owasp_parameters() -> None:
    algorithm, variety, _, parameters, *_ = create_user(LOGIN).password.split("$")
    assert (algorithm, variety, parameters) == ("argon2", "argon2id", "m=19456,t=2,p=1")


@pytest.mark.django_db
@pytest.mark.usefixtures("real_hashers")
def test_an_older_hash_signs_in_and_is_upgraded(client: Client) -> None:
    user = create_user(LOGIN)
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    assert sign_in(client).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert sign_in(client).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("real_hashers")
def test_an_unknown_account_costs_one_argon2_hash_like_a_wrong_password(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So the answer's timing does not tell which accounts exist."""
    create_user(LOGIN)
    argon2 = type(get_hasher("argon2"))  # the project's, first in PASSWORD_HASHERS
    calls: list[str] = []
    for method in ("encode", "verify"):
        original = getattr(argon2, method)

        def counted(*args: Any, _original: Any = original, _name: str = method) -> Any:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(argon2, method, counted)
    assert sign_in(client, password="wrong").status_code == 401
    wrong_password = list(calls)
    calls.clear()
    assert sign_in(client, username=f"nobody-{LOGIN}").status_code == 401
    assert (len(wrong_password), len(calls)) == (1, 1)
