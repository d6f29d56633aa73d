"""Requests encoded for a Responses upstream: shapes checked against the spec, named rules, refusals, and
decode(encode(x)) == x for generated canonical requests with every feature this dialect carries."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    Part,
    ReasoningPart,
    RefusalPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Role, Tool, ToolChoice
from dragoman.dialects.openai_responses.codec import CODEC
from tests.dialects.openai_responses.helpers import assert_valid_create, client_bodies

WEB_SEARCH = {"type": "web_search", "external_web_access": False}
GRAMMAR = {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}
ROLES: tuple[Role, ...] = ("system", "developer", "user", "assistant", "tool")


def user(*parts: Part) -> Message:
    return Message("user", list(parts))


def test_encode_request_shapes() -> None:
    request = Request(
        model="client", stream=True, max_tokens=64, temperature=0.5, top_p=0.9, user="u", metadata={"a": "b"},
        include_usage=True, parallel_tool_calls=False, prompt_cache_key="pck",
        reasoning=ReasoningConfig(effort="high", summary="auto"),
        output_format=OutputFormat("json_schema", "answer", {"type": "object"}, True, "The answer."),
        tools=[Tool("get", "Get it.", {"type": "object"}, strict=True),
               Tool("apply_patch", "Edit files.", kind="custom", format=GRAMMAR),
               Tool("web_search", kind="native", native=WEB_SEARCH, origin="openai_responses")],
        tool_choice=ToolChoice("tool", "apply_patch"),
        messages=[
            Message("system", [TextPart("sys", cache_control={"type": "ephemeral"})]),
            user(TextPart("q1"), ImagePart(url="https://x.test/a.png"),
                 ImagePart(data="iVBOR", media_type="image/png", detail="low"),
                 DocumentPart(data="JVBE", media_type="application/pdf", filename="r.pdf")),
            Message("assistant", [
                ReasoningPart(text="", summary=["plan"], encrypted="gAAA", id="rs_1", origin="openai_responses"),
                TextPart("a"), RefusalPart("no"),
                ToolCallPart("call_1", "get", '{"x":1}'),
                ToolCallPart("call_2", "apply_patch", "*** Begin Patch", kind="custom"),
            ]),
            Message("tool", [ToolResultPart("call_1", [TextPart("4")]),
                             ToolResultPart("call_2", [TextPart("bad patch")], is_error=True)]),
            Message("developer", [TextPart("dev")]),
            user(TextPart("q3")),
        ],
    )
    body = CODEC.encode_request(request, "gpt-5")
    assert body == {
        "model": "gpt-5", "store": False, "stream": True, "max_output_tokens": 64, "temperature": 0.5,
        "top_p": 0.9, "user": "u", "metadata": {"a": "b"}, "parallel_tool_calls": False, "prompt_cache_key": "pck",
        "reasoning": {"effort": "high", "summary": "auto"}, "include": ["reasoning.encrypted_content"],
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": True,
                            "description": "The answer."}},
        "tools": [{"type": "function", "name": "get", "description": "Get it.", "parameters": {"type": "object"},
                   "strict": True},
                  {"type": "custom", "name": "apply_patch", "description": "Edit files.", "format": GRAMMAR},
                  WEB_SEARCH],
        "tool_choice": {"type": "custom", "name": "apply_patch"},
        "input": [
            {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "sys"}]},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "q1"},
                {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "auto"},
                {"type": "input_image", "image_url": "data:image/png;base64,iVBOR", "detail": "low"},
                {"type": "input_file", "file_data": "data:application/pdf;base64,JVBE", "filename": "r.pdf"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "plan"}],
             "encrypted_content": "gAAA"},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "a", "annotations": []}, {"type": "refusal", "refusal": "no"}]},
            {"type": "function_call", "call_id": "call_1", "name": "get", "arguments": '{"x":1}'},
            {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch", "input": "*** Begin Patch"},
            {"type": "function_call_output", "call_id": "call_1", "output": "4"},
            {"type": "custom_tool_call_output", "call_id": "call_2", "output": "Error: bad patch"},
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "dev"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q3"}]},
        ],
    }
    assert_valid_create(body)
    minimal = CODEC.encode_request(Request(model="", messages=[user(TextPart("x"))]), "m")
    assert set(minimal) == {"model", "input", "store"}


def test_claude_code_tool_followup_to_a_responses_upstream() -> None:
    """What the Anthropic decoder makes of Claude Code's follow-up (clients/claude-code.example-tool-followup):
    Anthropic thinking cannot go to OpenAI (foreign-reasoning-dropped); the call and result pair by id."""
    request = Request(model="claude", stream=True, messages=[
        user(TextPart("<system-reminder>…</system-reminder>"), TextPart("run echo hi-from-tool")),
        Message("system", [TextPart("Available agent types …")]),
        Message("assistant", [
            ReasoningPart(text="I will run a harmless command.", signature="capture-server-fake-signature",
                          origin="anthropic_messages"),
            TextPart("Let me run a command."),
            ToolCallPart("toolu_8a11cf3667ca4e60bd582380", "Bash", '{"command":"echo hi-from-tool"}'),
        ]),
        Message("tool", [ToolResultPart("toolu_8a11cf3667ca4e60bd582380", [TextPart("hi-from-tool")],
                                        cache_control={"type": "ephemeral"})]),
    ], tools=[Tool("Bash", "Run a command.", {"type": "object"})],
        reasoning=ReasoningConfig(adaptive=True))
    body = CODEC.encode_request(request, "gpt-5.5")
    assert_valid_create(body)
    assert [item["type"] for item in body["input"]] == ["message", "message", "message", "function_call",
                                                        "function_call_output"]
    assert body["input"][3]["call_id"] == body["input"][4]["call_id"] == "toolu_8a11cf3667ca4e60bd582380"
    assert body["input"][4]["output"] == "hi-from-tool"
    assert "reasoning" not in body and body["include"] == ["reasoning.encrypted_content"]


@pytest.mark.parametrize(("client", "body"), client_bodies("codex.requests.jsonl"))
def test_codex_requests_survive_decode_encode_decode(client: str, body: dict[str, Any]) -> None:
    request = CODEC.decode_request(body)
    encoded = CODEC.encode_request(request, body["model"])
    assert_valid_create(encoded)
    assert encoded["tools"] == body.get("tools", []) + [
        tool for item in body["input"] if item["type"] == "additional_tools" for tool in item["tools"]]
    assert encoded["include"] == ["reasoning.encrypted_content"]
    assert CODEC.decode_request(encoded) == request


@pytest.mark.parametrize(("config", "reasoning", "include"), [
    (ReasoningConfig(effort="low"), {"effort": "low"}, True),
    (ReasoningConfig(budget_tokens=10_000), {"effort": "medium"}, True),
    (ReasoningConfig(budget_tokens=500), {"effort": "minimal"}, True),
    (ReasoningConfig(adaptive=True), None, True),
    (ReasoningConfig(adaptive=True, effort="max"), {"effort": "max"}, True),
    (ReasoningConfig(summary="detailed"), {"summary": "detailed"}, True),
    (ReasoningConfig(effort="none"), {"effort": "none"}, False),
    (ReasoningConfig(enabled=False), None, False),
    (ReasoningConfig(enabled=False, budget_tokens=2048), None, False),
])
def test_reasoning_config_encoding(config: ReasoningConfig, reasoning: dict[str, str] | None,
                                   include: bool) -> None:
    body = CODEC.encode_request(Request(model="m", messages=[user(TextPart("x"))], reasoning=config), "m")
    assert body.get("reasoning") == reasoning
    assert ("include" in body) is include


def test_reasoning_items_handed_back_only_when_openai_can_use_them() -> None:
    own = ReasoningPart(summary=["s"], encrypted="gAAA", id="rs_1", origin="openai_responses")
    unusable = [ReasoningPart(text="t", signature="sig", origin="anthropic_messages"),
                ReasoningPart(redacted_data="blob", origin="anthropic_messages"),
                ReasoningPart(text="vllm thoughts", origin="openai_chat"),
                ReasoningPart(summary=["no proof"], id="rs_2", origin="openai_responses")]
    body = CODEC.encode_request(Request(model="m", messages=[
        user(TextPart("x")), Message("assistant", [*unusable, TextPart("a")])]), "m")
    assert [item["type"] for item in body["input"]] == ["message", "message"] and "include" not in body
    body = CODEC.encode_request(Request(model="m", messages=[
        user(TextPart("x")), Message("assistant", [own, *unusable])]), "m")
    assert [item["type"] for item in body["input"]] == ["message", "reasoning"]
    assert body["include"] == ["reasoning.encrypted_content"]


@pytest.mark.parametrize(("result", "output"), [
    (ToolResultPart("c", [TextPart("boom")], is_error=True), "Error: boom"),
    (ToolResultPart("c", [], is_error=True), "Error:"),
    (ToolResultPart("c", []), ""),
    (ToolResultPart("c", [TextPart("a"), TextPart("b")], is_error=True),
     [{"type": "input_text", "text": "Error: a"}, {"type": "input_text", "text": "b"}]),
    (ToolResultPart("c", [ImagePart(url="https://x.test/s.png")], is_error=True),
     [{"type": "input_text", "text": "Error:"},
      {"type": "input_image", "image_url": "https://x.test/s.png", "detail": "auto"}]),
    (ToolResultPart("c", [DocumentPart(text="a,b", media_type="text/csv", title="Table")]),
     [{"type": "input_file", "file_data": "data:text/csv;base64,YSxi", "filename": "Table"}]),
])
def test_tool_results(result: ToolResultPart, output: Any) -> None:
    body = CODEC.encode_request(Request(model="m", messages=[user(TextPart("x")), Message("tool", [result])]), "m")
    assert body["input"][1] == {"type": "function_call_output", "call_id": "c", "output": output}
    assert_valid_create(body)


@pytest.mark.parametrize(("document", "encoded"), [
    (DocumentPart(text="hello"), {"file_data": "data:text/plain;base64,aGVsbG8=", "filename": "document.txt"}),
    (DocumentPart(data="JVBE", media_type="application/pdf"),
     {"file_data": "data:application/pdf;base64,JVBE", "filename": "document.pdf"}),
    (DocumentPart(data="YSxi", media_type="text/csv", title="Sales"),
     {"file_data": "data:text/csv;base64,YSxi", "filename": "Sales"}),
    (DocumentPart(url="https://x.test/p.pdf", media_type="application/pdf", filename="p.pdf"),
     {"file_url": "https://x.test/p.pdf", "filename": "p.pdf"}),
])
def test_documents(document: DocumentPart, encoded: dict[str, str]) -> None:
    body = CODEC.encode_request(Request(model="m", messages=[user(document)]), "m")
    assert body["input"][0]["content"] == [{"type": "input_file", **encoded}]
    assert_valid_create(body)


@pytest.mark.parametrize(("choice", "encoded"), [
    (ToolChoice("required"), "required"),
    (ToolChoice("tool", "get"), {"type": "function", "name": "get"}),
    (ToolChoice("tool", "unknown"), {"type": "function", "name": "unknown"}),
    (ToolChoice("tool", "web_search_preview"), {"type": "web_search_preview"}),
])
def test_tool_choice_encoding(choice: ToolChoice, encoded: Any) -> None:
    tools = [Tool("get", parameters=None),
             Tool("web_search_preview", kind="native", native={"type": "web_search_preview"},
                  origin="openai_responses")]
    body = CODEC.encode_request(Request(model="m", messages=[user(TextPart("x"))], tools=tools,
                                        tool_choice=choice), "m")
    assert body["tool_choice"] == encoded
    # Rules parameters-default-empty-object and strict-default-false.
    assert body["tools"][0] == {"type": "function", "name": "get", "parameters": {"type": "object", "properties": {}},
                                "strict": False}
    assert_valid_create(body)


@pytest.mark.parametrize(("max_tokens", "sent"), [(1, 16), (15, 16), (16, 16), (4096, 4096)])
def test_max_output_tokens_floor(max_tokens: int, sent: int) -> None:
    body = CODEC.encode_request(Request(model="m", messages=[user(TextPart("x"))], max_tokens=max_tokens), "m")
    assert body["max_output_tokens"] == sent
    assert_valid_create(body)


@pytest.mark.parametrize(("output", "encoded"), [
    (OutputFormat("json_object"), {"type": "json_object"}),
    (OutputFormat("json_schema", schema={"type": "object", "required": ["a"]}),
     {"type": "json_schema", "name": "response", "schema": {"type": "object", "required": ["a"]}}),
    (OutputFormat("json_schema", name="x"), {"type": "json_schema", "name": "x", "schema": {"type": "object"}}),
])
def test_output_format_encoding(output: OutputFormat, encoded: dict[str, Any]) -> None:
    body = CODEC.encode_request(Request(model="m", messages=[user(TextPart("x"))], output_format=output), "m")
    assert body["text"] == {"format": encoded}
    assert_valid_create(body)


X = user(TextPart("x"))


@pytest.mark.parametrize(("request_", "param"), [
    (Request(model="m", messages=[X], stop=["END"]), "stop"),
    (Request(model="m", messages=[X], tools=[
        Tool("f"), Tool("bash", kind="native", native={"type": "bash_20250124", "name": "bash"},
                        origin="anthropic_messages")]), "tools[1]"),
    (Request(model="m", messages=[X, Message("assistant", [ImagePart(url="https://x.test/a.png")])]),
     "messages[1].content[0]"),
    (Request(model="m", messages=[user(ToolResultPart("c"))]), "messages[0].content[0]"),
    (Request(model="m", messages=[user(ToolCallPart("c", "f", "{}"))]), "messages[0].content[0]"),
    (Request(model="m", messages=[user(ReasoningPart(text="t"))]), "messages[0].content[0]"),
    (Request(model="m", messages=[user(RefusalPart("x"))]), "messages[0].content[0]"),
    (Request(model="m", messages=[X, Message("tool", [TextPart("x")])]), "messages[1].content[0]"),
    (Request(model="m", messages=[X, Message("assistant", [ToolResultPart("c")])]), "messages[1].content[0]"),
    (Request(model="m", messages=[user(ImagePart(data="x", media_type="image/bmp"))]), "messages[0].content[0]"),
    (Request(model="m", messages=[user(ImagePart())]), "messages[0].content[0]"),
    (Request(model="m", messages=[user(DocumentPart(data="x", media_type="application/msword"))]),
     "messages[0].content[0]"),
    (Request(model="m", messages=[user(DocumentPart(filename="empty.pdf"))]), "messages[0].content[0]"),
    (Request(model="m", messages=[X, Message("tool", [ToolResultPart("c", [ImagePart()])])]),
     "messages[1].content[0].content[0]"),
])
def test_encode_request_refuses_what_it_cannot_send(request_: Request, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        CODEC.encode_request(request_, "m")
    assert caught.value.param == param


def test_upstream_headers_and_path() -> None:
    assert CODEC.upstream_headers("sk-1") == {"Authorization": "Bearer sk-1"}
    assert CODEC.upstream_headers(None) == {}
    assert CODEC.upstream_path == "/responses" and CODEC.name == "openai_responses"


# --- property: what this dialect carries survives encode then decode ---

_text = st.text(max_size=12)
_name = st.text("abcdefghij_-", min_size=1, max_size=8)
_b64 = st.binary(max_size=12).map(lambda raw: base64.b64encode(raw).decode())
_image = st.one_of(
    st.builds(ImagePart, url=st.sampled_from(["https://x.test/a.png", "http://y.test/b"]),
              detail=st.sampled_from([None, "low", "high"])),
    st.builds(ImagePart, data=_b64, media_type=st.sampled_from(["image/png", "image/jpeg", "image/gif", "image/webp"]),
              detail=st.sampled_from([None, "low", "high"])),
)
_document = st.one_of(
    st.builds(DocumentPart, data=_b64, media_type=st.sampled_from(["application/pdf", "text/plain", "text/csv"]),
              filename=_name),
    st.just(DocumentPart(url="https://x.test/paper.pdf", media_type="application/pdf")),
    st.just(DocumentPart(url="https://x.test/download", filename="download")),
)
_input_part = st.one_of(st.builds(TextPart, _text), _image, _document)
_schema = st.fixed_dictionaries({"type": st.just("object")}, optional={"required": st.lists(_name, max_size=2)})
_reasoning = st.builds(ReasoningPart, text=_text, summary=st.lists(_text, max_size=2),
                       encrypted=st.text("abcdefgABCDEFG0123456789=", min_size=1, max_size=12),
                       id=_name.map(lambda name: f"rs_{name}"), origin=st.just("openai_responses"))


@st.composite
def _assistant(draw: st.DrawFn, calls: list[ToolCallPart]) -> Message:
    parts: list[Part] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "refusal", "reasoning", "call"]))
        if kind == "call":
            call = ToolCallPart(f"call_{len(calls)}", draw(_name), draw(_text),
                                kind=draw(st.sampled_from(["function", "custom"])))
            calls.append(call)
            parts.append(call)
        elif kind == "reasoning":
            parts.append(draw(_reasoning))
        else:
            parts.append(TextPart(draw(_text)) if kind == "text" else RefusalPart(draw(_text)))
    return Message("assistant", parts)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    messages: list[Message] = [user(*draw(st.lists(_input_part, max_size=3)))]
    calls: list[ToolCallPart] = []
    for _ in range(draw(st.integers(0, 5))):
        previous = messages[-1].role
        roles: list[Role] = [role for role in ROLES if role != previous]
        role = draw(st.sampled_from(roles))
        if role == "assistant":
            messages.append(draw(_assistant(calls)))
        elif role == "tool":
            results = [ToolResultPart(draw(st.sampled_from([call.id for call in calls] or ["call_x"])),
                                      draw(st.lists(_input_part, min_size=1, max_size=3)))
                       for _ in range(draw(st.integers(1, 2)))]
            messages.append(Message("tool", list(results)))
        else:
            messages.append(Message(role, draw(st.lists(_input_part, max_size=3))))
    tools = draw(st.lists(st.one_of(
        st.builds(Tool, _name, st.none() | _text, _schema, st.booleans()),
        st.builds(Tool, _name, st.none() | _text, kind=st.just("custom"),
                  format=st.sampled_from([None, {"type": "text"}, GRAMMAR])),
        st.just(Tool("web_search", kind="native", native=WEB_SEARCH, origin="openai_responses")),
    ), max_size=3, unique_by=lambda tool: tool.name))
    choices = [ToolChoice("auto"), ToolChoice("none"), ToolChoice("required")]
    choices += [ToolChoice("tool", tool.name) for tool in tools if tool.kind != "native"]
    effort = draw(st.sampled_from([None, "none", "minimal", "low", "medium", "high", "xhigh", "max"]))
    summary = None if effort == "none" else draw(st.sampled_from([None, "auto", "concise", "detailed"]))
    stream = draw(st.booleans())
    return Request(
        model=draw(_name), messages=messages, stream=stream, include_usage=stream,
        max_tokens=draw(st.none() | st.integers(16, 100_000)),
        temperature=draw(st.none() | st.floats(0, 2)), top_p=draw(st.none() | st.floats(0, 1)),
        user=draw(st.none() | _text), metadata=draw(st.none() | st.dictionaries(_text, _text, max_size=2)),
        tools=tools, tool_choice=draw(st.none() | st.sampled_from(choices)),
        parallel_tool_calls=draw(st.none() | st.booleans()), prompt_cache_key=draw(st.none() | _text),
        reasoning=ReasoningConfig(effort=effort, summary=summary) if effort or summary else None,  # type: ignore[arg-type]
        output_format=draw(st.none() | st.just(OutputFormat("json_object")) | st.builds(
            OutputFormat, st.just("json_schema"), _name, _schema, st.none() | st.booleans(), st.none() | _text)),
    )


@settings(max_examples=100, deadline=None)
@given(requests())
def test_decode_of_encode_preserves_every_carried_field(request: Request) -> None:
    body = CODEC.encode_request(request, request.model)
    assert CODEC.decode_request(json.loads(json.dumps(body))) == request


@settings(max_examples=25, deadline=None)
@given(requests())
def test_generated_requests_encode_valid_against_the_spec(request: Request) -> None:
    assert_valid_create(CODEC.encode_request(request, request.model))
