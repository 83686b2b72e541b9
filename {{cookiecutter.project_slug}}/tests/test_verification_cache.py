"""A verified token is remembered, but only its signature check is ever skipped."""

import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt import tokens
from ninja_simple_jwt.jwt.tokens import (
    mint_access_token,
    mint_refresh_token,
    verify_access_token,
    verify_refresh_token,
)
from ninja_simple_jwt.settings import get_jwt_settings


def test_a_reused_token_is_checked_for_expiry_every_time(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = mint_access_token(user)
    claims = verify_access_token(token)
    assert verify_access_token(token) == claims  # the second use is served from the cache
    leeway = get_jwt_settings().JWT_LEEWAY.total_seconds()
    monkeypatch.setattr(time, "time", lambda: claims["exp"] + leeway + 1)
    with pytest.raises(InvalidTokenError):
        verify_access_token(token)


def test_a_verified_refresh_token_is_still_no_access_token(user: Any) -> None:
    token = mint_refresh_token(user)
    verify_refresh_token(token)
    with pytest.raises(InvalidTokenError):
        verify_access_token(token)


def test_a_reused_token_dies_with_its_key(user: Any, settings: Any, tmp_path: Path) -> None:
    settings.BASE_DIR = tmp_path
    call_command("make_rsa", stdout=io.StringIO())
    token = mint_access_token(user)
    verify_access_token(token)
    call_command("make_rsa", "--force", stdout=io.StringIO())
    with pytest.raises(InvalidTokenError):
        verify_access_token(token)


def test_changing_the_returned_claims_does_not_change_the_next_answer(user: Any) -> None:
    token = mint_access_token(user)
    first = verify_access_token(token)
    first["user_id"] = "someone else"
    assert verify_access_token(token)["user_id"] == user.pk


def test_the_cache_is_bounded(user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_TOKEN_CACHE_SIZE", 3)
    for _ in range(10):
        verify_access_token(mint_access_token(user))
    assert len(tokens._decode_parameters().verified) <= 3
