"""Property: no small change to a valid token is ever accepted, and none causes a 500.

Hypothesis changes one character of a valid access or refresh token (replaced, flipped by a
bit, inserted or deleted), or rearranges the segments of two valid tokens (swapped, dropped,
duplicated, spliced). The verifier must refuse every result with ``InvalidTokenError``, and the
endpoints must answer each with a JSON 401. Bounded to a few hundred examples; the tokens are
minted once, and nothing touches the database.
"""

import string
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import given, settings, strategies as st
from ninja_simple_jwt.errors import InvalidTokenError
from ninja_simple_jwt.jwt.tokens import (
    mint_access_token,
    mint_refresh_token,
    verify_access_token,
    verify_refresh_token,
)

from tests.conftest import LOGIN, LOGIN_CLAIM, url

# Few hundred examples, no deadline (the first example loads keys), no example database
# written into the project folder.
BOUNDED = settings(max_examples=200, deadline=None, database=None)

# What may replace or be inserted into a token sent over HTTP: every printable ASCII
# character and a space. The verifier itself is also given arbitrary Unicode.
HTTP_CHARACTERS = st.sampled_from(string.ascii_letters + string.digits + string.punctuation + " ")
ANY_CHARACTERS = st.characters(exclude_categories=["Cs"])  # any but lone surrogates


@pytest.fixture(scope="module")
def tokens(signing_keys: Any) -> dict[str, str]:
    """A valid access and refresh token of a user that is never saved (no database)."""
    user = get_user_model()(id=4242, **{LOGIN_CLAIM: LOGIN})
    return {"access": mint_access_token(user), "refresh": mint_refresh_token(user)}


@st.composite
def one_character_changed(draw: st.DrawFn, token: str, characters: st.SearchStrategy[str]) -> str:
    # Anywhere, with extra weight on the edges of segments, where encodings have corner cases.
    edges = sorted(
        {index + offset for index, char in enumerate(token) if char == "." for offset in (-1, 0, 1)}
        | {0, len(token) - 1}
    )
    position = draw(
        st.one_of(st.integers(min_value=0, max_value=len(token) - 1), st.sampled_from(edges))
    )
    change = draw(st.sampled_from(["replace", "flip", "insert", "delete"]))
    if change == "replace":
        mutated = token[:position] + draw(characters) + token[position + 1 :]
    elif change == "flip":
        bit = draw(st.integers(min_value=0, max_value=6))
        mutated = token[:position] + chr(ord(token[position]) ^ (1 << bit)) + token[position + 1 :]
    elif change == "insert":
        mutated = token[:position] + draw(characters) + token[position:]
    else:
        mutated = token[:position] + token[position + 1 :]
    return mutated


@st.composite
def segments_rearranged(draw: st.DrawFn, first: str, second: str) -> str:
    """1 to 5 segments picked from the two tokens' six: swaps, drops, duplicates, splices."""
    segments = [*first.split("."), *second.split(".")]
    picks = draw(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=5))
    return ".".join(segments[index] for index in picks)


def mutations(tokens: dict[str, str], characters: st.SearchStrategy[str]) -> Any:
    access, refresh = tokens["access"], tokens["refresh"]
    return st.one_of(
        one_character_changed(access, characters),
        one_character_changed(refresh, characters),
        segments_rearranged(access, refresh),
        segments_rearranged(refresh, access),
    ).filter(lambda token: token not in (access, refresh))


def test_the_unchanged_tokens_are_valid(tokens: dict[str, str]) -> None:
    assert verify_access_token(tokens["access"])["user_id"] == 4242
    assert verify_refresh_token(tokens["refresh"])["user_id"] == 4242


@BOUNDED
@given(data=st.data())
def test_the_verifier_refuses_every_mutation(tokens: dict[str, str], data: st.DataObject) -> None:
    mutated = data.draw(mutations(tokens, ANY_CHARACTERS))
    for verify in (verify_access_token, verify_refresh_token):
        with pytest.raises(InvalidTokenError):
            verify(mutated)


def send_refresh(client: Client, token: str) -> Any:
{% if cookiecutter.mobile_auth %}
    return client.post(
        url("mobile_token_refresh"), {"refresh": token}, content_type="application/json"
    )
{% else %}
    client.cookies["refresh"] = token
    return client.post(url("web_token_refresh"))
{% endif %}


@BOUNDED
@given(data=st.data())
def test_the_endpoints_answer_every_mutation_with_a_json_401(
    tokens: dict[str, str], data: st.DataObject
) -> None:
    mutated = data.draw(mutations(tokens, HTTP_CHARACTERS))
    client = Client()
    for response in (
        client.get(url("me"), headers={"Authorization": f"Bearer {mutated}"}),
        send_refresh(client, mutated),
    ):
        assert response.status_code == 401, (mutated, response.content[:200])
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]
