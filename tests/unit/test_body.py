"""Request body checks: JSON object, forbidden keys anywhere, and nothing else rejected."""

from __future__ import annotations

import pytest

from dragoman.canonical.errors import InvalidRequest
from dragoman.server.body import parse_json_object


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b'{"__proto__": {"admin": true}, "messages": []}', "__proto__"),
        (b'{"messages": [{"role": "user", "content": [{"type": "text", "constructor": 1}]}]}',
         "messages[0].content[0].constructor"),
        (b'{"metadata": {"a": {"prototype": "x"}}}', "metadata.a.prototype"),
    ],
)
def test_forbidden_keys_anywhere_are_refused_with_their_path(body: bytes, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_json_object(body)
    assert caught.value.param == param
    assert caught.value.status == 400


def test_forbidden_words_as_values_are_fine() -> None:
    parsed = parse_json_object(b'{"messages": [{"role": "user", "content": "what is a \\"constructor\\"? __proto__"}]}')
    assert parsed["messages"][0]["content"].endswith("__proto__")


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]", b'"text"', b"null"])
def test_non_objects_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidRequest):
        parse_json_object(body)
