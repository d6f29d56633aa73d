"""All 9 client x upstream pairs through the official SDKs, streaming and not.

The expectation is always what the fake upstream actually served for that call: the answer's text, its
stop reason mapped by the issue's table, its usage mapped with the cache-aware rules.
"""

from __future__ import annotations

import anthropic
import openai
import pytest

from tests.e2e import sdk
from tests.e2e.matrix import VARIANT_CASES, only_call
from tests.e2e.outcome import STOPS, Outcome, client_usage, expected_usage, of_answer
from tests.upstream import DIALECTS, Dialect, FakeUpstream, ReceivedRequest


def assert_matches_upstream(client: Dialect, upstream_dialect: Dialect, scenario: str, call: ReceivedRequest,
                            got: Outcome) -> None:
    served = of_answer(upstream_dialect, call.answer)
    assert got.text == served.text
    assert served.text, "the recording has text, so the client must get it"
    assert got.stop == STOPS[scenario][client]
    assert served.usage is not None, "the upstream sent no usage (was an OpenAI upstream asked for include_usage?)"
    assert got.usage is not None, "the client got no usage"
    assert client_usage(client, got.usage) == expected_usage(client, served.usage)


@pytest.mark.parametrize(("client", "upstream_dialect", "scenario", "stream"), VARIANT_CASES)
def test_sdk_pair(client: Dialect, upstream_dialect: Dialect, scenario: str, stream: bool,
                  openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic,
                  upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    got = sdk.call(client, (openai_client, anthropic_client), f"{upstream_dialect}/{scenario}", stream)
    call = only_call(upstream, mark, upstream_dialect)
    assert call.json["model"] == scenario, "the upstream gets the configured upstream model id"
    assert call.stream is stream
    assert_matches_upstream(client, upstream_dialect, scenario, call, got)


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
def test_chat_completions_stream_helper(upstream_dialect: Dialect, openai_client: openai.OpenAI,
                                        upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    got = sdk.chat_helper(openai_client, f"{upstream_dialect}/text")
    assert_matches_upstream("chat", upstream_dialect, "text", only_call(upstream, mark, upstream_dialect), got)


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
def test_responses_stream_helper(upstream_dialect: Dialect, openai_client: openai.OpenAI,
                                 upstream: FakeUpstream) -> None:
    mark = upstream.mark()
    got = sdk.responses_helper(openai_client, f"{upstream_dialect}/text")
    call = only_call(upstream, mark, upstream_dialect)
    assert call.stream
    assert_matches_upstream("responses", upstream_dialect, "text", call, got)


@pytest.mark.parametrize("upstream_dialect", DIALECTS)
def test_anthropic_stream_events_in_order(upstream_dialect: Dialect, anthropic_client: anthropic.Anthropic,
                                          upstream: FakeUpstream) -> None:
    """The SDK's raw event iterator sees the Messages grammar, whatever the upstream speaks."""
    mark = upstream.mark()
    with anthropic_client.messages.stream(model=f"{upstream_dialect}/text", max_tokens=256,
                                          messages=[{"role": "user", "content": "hi"}]) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    call = only_call(upstream, mark, upstream_dialect)
    real = [kind for kind in kinds if kind not in ("ping", "text")]
    assert real[0] == "message_start" and real[-1] == "message_stop", kinds
    assert real.count("content_block_start") == real.count("content_block_stop") >= 1, kinds
    assert "message_delta" in real, kinds
    served = of_answer(upstream_dialect, call.answer)
    assert "".join(block.text for block in final.content if block.type == "text") == served.text
