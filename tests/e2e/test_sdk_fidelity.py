"""Images, documents and reasoning through the official SDKs on every pair, streamed and not: what the SDK
hands its user (its own accumulators and typed objects) and what the upstream received."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
import pytest

from tests.e2e.matrix import PAIR_IDS, PAIRS, only_call
from tests.e2e.media import IMAGES, PDF, Media, part, received_media, text_part
from tests.e2e.outcome import of_answer
from tests.e2e.thoughts import Thought, proof_wraps, thoughts_served
from tests.upstream import DIALECTS, Dialect, FakeUpstream

MODES = [pytest.param(False, id="json"), pytest.param(True, id="stream")]
IMAGE = Media("image", media_type="image/webp", data=IMAGES["image/webp"])
DOCUMENT = Media("document", media_type="application/pdf", data=PDF, filename="report.pdf")


def _ask(client: Dialect, clients: tuple[openai.OpenAI, anthropic.Anthropic], model: str, stream: bool,
         content: list[Any]) -> Any:
    """One user turn through the SDK; the SDK's final object (completion, response or message)."""
    openai_client, anthropic_client = clients
    messages: Any = [{"role": "user", "content": content}]
    if client == "chat":
        if stream:
            with openai_client.chat.completions.stream(model=model, messages=messages) as events:
                return events.get_final_completion()
        return openai_client.chat.completions.create(model=model, messages=messages)
    if client == "responses":
        if stream:
            with openai_client.responses.stream(model=model, input=messages) as events:
                return events.get_final_response()
        return openai_client.responses.create(model=model, input=messages)
    params: Any = {"model": model, "max_tokens": 2048, "messages": messages}
    if stream:
        with anthropic_client.messages.stream(**params) as events:
            return events.get_final_message()
    return anthropic_client.messages.create(**params)


def _text(client: Dialect, final: Any) -> str:
    if client == "chat":
        return str(final.choices[0].message.content or "")
    if client == "responses":
        return str(final.output_text)
    return "".join(block.text for block in final.content if block.type == "text")


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("client", "upstream_dialect"), PAIRS, ids=PAIR_IDS)
def test_image_and_pdf_through_the_sdks(client: Dialect, upstream_dialect: Dialect, stream: bool,
                                        openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic,
                                        upstream: FakeUpstream) -> None:
    content = [text_part(client, "What do these show?"), part(client, IMAGE), part(client, DOCUMENT)]
    mark = upstream.mark()
    final = _ask(client, (openai_client, anthropic_client), f"{upstream_dialect}/text", stream, content)
    call = only_call(upstream, mark, upstream_dialect)
    got = received_media(upstream_dialect, call.json)
    assert [(media.kind, media.media_type, media.data) for media in got] == [
        ("image", IMAGE.media_type, IMAGE.data), ("document", DOCUMENT.media_type, DOCUMENT.data)], got
    assert _text(client, final) == of_answer(upstream_dialect, call.answer).text


def _sdk_thoughts(client: Dialect, final: Any) -> list[Thought]:
    if client == "responses":
        return [Thought("".join(summary.text for summary in item.summary), item.encrypted_content)
                for item in final.output if item.type == "reasoning"]
    if client == "anthropic":
        return [Thought(block.thinking, block.signature or None) if block.type == "thinking"
                else Thought("", block.data) for block in final.content
                if block.type in ("thinking", "redacted_thinking")]
    extra = final.choices[0].message.model_extra or {}
    text = extra.get("reasoning_content") or extra.get("reasoning")
    return [Thought(text)] if text else []


REASONING_SOURCES: dict[Dialect, str] = {"anthropic": "thinking", "responses": "reasoning-summary",
                                         "chat": "reasoning"}
REASONING_CASES = [pytest.param(client, upstream, id=f"{client}-via-{upstream}")
                   for client in DIALECTS for upstream in DIALECTS if client != upstream]


@pytest.mark.parametrize("stream", MODES)
@pytest.mark.parametrize(("client", "upstream_dialect"), REASONING_CASES)
def test_reasoning_reaches_the_sdk_user(client: Dialect, upstream_dialect: Dialect, stream: bool,
                                        openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic,
                                        upstream: FakeUpstream) -> None:
    """The SDK's own objects hold the reasoning: Anthropic thinking blocks (signature wrapped for a proof
    of another vendor), Responses reasoning items (summary, wrapped encrypted content), chat
    ``reasoning_content`` (read from the SDK message's extra fields; the chat stream helper keeps none)."""
    if client == "chat" and stream:
        pytest.skip("the chat SDK's stream accumulator does not keep vendor reasoning fields")
    mark = upstream.mark()
    final = _ask(client, (openai_client, anthropic_client), f"{upstream_dialect}/{REASONING_SOURCES[upstream_dialect]}",
                 stream, [text_part(client, "What is 925 divided by 5?")])
    served = thoughts_served(upstream_dialect, only_call(upstream, mark, upstream_dialect).answer)
    got = _sdk_thoughts(client, final)
    if client == "chat":
        assert got and all(Thought(got[0].text).contains(thought) for thought in served if thought.text), got
        return
    assert len(got) == len(served), (got, served)
    for mine, theirs in zip(got, served, strict=True):
        assert mine.contains(theirs), (mine.text, theirs)
        if theirs.proof and theirs.kind:
            assert proof_wraps(mine.proof, upstream_dialect, theirs.kind, theirs.proof), mine.proof
