"""For each of the 6 cross-dialect pairs: a request as a client of one dialect sends it, decoded and encoded
for an upstream of another, keeps every field the compatibility matrix says that pair keeps. The upstream's
request is read back with the upstream dialect's own decoder, so both sides are compared as canonical views
after the upstream encoder's documented rules."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Request
from dragoman.dialects.registry import CODECS
from tests.properties.rules import expected, lens_for
from tests.properties.strategies import ORIGINS, PROFILES, requests
from tests.properties.views import view

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAIRS = [(client, upstream) for client in sorted(PROFILES) for upstream in sorted(PROFILES) if client != upstream]


@pytest.mark.parametrize(("client", "upstream"), PAIRS, ids=[f"{c}-to-{u}" for c, u in PAIRS])
@FAST
@given(data=st.data())
def test_pair_keeps_what_the_matrix_says(client: str, upstream: str, data: st.DataObject) -> None:
    client_codec, upstream_codec = CODECS[ORIGINS[client]], CODECS[ORIGINS[upstream]]  # type: ignore[index]
    # Stop sequences to Responses are refused by rule (tested below), not translated.
    profile = replace(PROFILES[client], stop=PROFILES[client].stop and upstream != "responses")
    original: Request = data.draw(requests(profile))
    sent = client_codec.decode_request(client_codec.encode_request(original, "m"))
    assert sent.untranslated == []
    wire = upstream_codec.encode_request(sent, "m")
    received = upstream_codec.decode_request(wire)
    lens = lens_for(client, upstream)
    assert view(received, lens) == view(expected(sent, upstream_codec.name), lens), wire


@pytest.mark.parametrize("client", ["chat", "anthropic"])
def test_stop_sequences_to_responses_are_refused(client: str) -> None:
    """Responses has no stop sequences: refused naming ``stop`` (rule *stop-refused*), never dropped."""
    codec = CODECS[ORIGINS[client]]  # type: ignore[index]
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16,
            ("stop" if client == "chat" else "stop_sequences"): ["END"]}
    with pytest.raises(InvalidRequest) as refused:
        CODECS["openai_responses"].encode_request(codec.decode_request(body), "m")
    assert refused.value.param == "stop"
