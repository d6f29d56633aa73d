"""Hypothesis strategies for canonical requests, shaped by what a dialect can say (a :class:`Profile`).

The common ground every dialect can say: a leading system prompt; user turns of text, images (URL or inline
png/jpeg/gif/webp) and PDFs; assistant turns of text then function calls; tool results (text) answering
every call of the turn before; function tools with JSON schemas and ``strict``; tool choice and parallel
calls; max tokens, temperature and top_p (0-1), the end user, a reasoning effort and a JSON-schema output.
A profile adds what only some dialects say: stop sequences, ``developer`` messages, custom tools and calls,
image ``detail``, reasoning history of the dialect's own origin, ``is_error`` and cache markers (Anthropic),
``prompt_cache_key`` and metadata.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Literal

from hypothesis import strategies as st

from dragoman.canonical.content import (
    DocumentPart,
    ImagePart,
    Part,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from dragoman.canonical.request import Message, OutputFormat, ReasoningConfig, Request, Tool, ToolChoice

ORIGINS = {"chat": "openai_chat", "responses": "openai_responses", "anthropic": "anthropic_messages"}
IMAGES = {
    "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
    "image/jpeg": "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP8=",
    "image/gif": "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
    "image/webp": "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
}
PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
TOOL_NAMES = ("get_weather", "lookup_user", "search_docs", "run_query")


@dataclass(frozen=True, slots=True)
class Profile:
    stop: bool = False
    developer: bool = False
    custom_tools: bool = False
    detail: bool = False
    reasoning_origin: str | None = None
    is_error: bool = False
    cache_control: bool = False
    prompt_cache_key: bool = False
    metadata: bool = False


PROFILES: dict[str, Profile] = {
    "chat": Profile(stop=True, developer=True, custom_tools=True, detail=True, reasoning_origin="openai_chat",
                    prompt_cache_key=True),
    "responses": Profile(developer=True, custom_tools=True, detail=True, reasoning_origin="openai_responses",
                         prompt_cache_key=True, metadata=True),
    "anthropic": Profile(stop=True, reasoning_origin="anthropic_messages", is_error=True, cache_control=True),
}

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.?!0123456789", min_size=1, max_size=30).filter(str.strip)
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6, max_size=12)
cache = st.sampled_from([None, {"type": "ephemeral"}])
often: st.SearchStrategy[bool] = st.sampled_from([True, True, False])


def text_part(profile: Profile) -> st.SearchStrategy[TextPart]:
    return st.builds(TextPart, words, cache if profile.cache_control else st.none())


def image_part(profile: Profile) -> st.SearchStrategy[ImagePart]:
    detail = st.sampled_from([None, "low", "high"]) if profile.detail else st.none()
    by_url = st.builds(lambda name, d: ImagePart(url=f"https://example.com/{name}.png", detail=d), ids, detail)
    inline = st.builds(lambda kind, d: ImagePart(data=IMAGES[kind], media_type=kind, detail=d),
                       st.sampled_from(sorted(IMAGES)), detail)
    return st.one_of(by_url, inline)


def pdf_part() -> st.SearchStrategy[DocumentPart]:
    return st.builds(lambda name: DocumentPart(data=PDF, media_type="application/pdf", filename=f"{name}.pdf"), ids)


def arguments() -> st.SearchStrategy[str]:
    values = st.one_of(st.integers(-100, 100), words, st.booleans())
    return st.dictionaries(st.sampled_from(["city", "id", "query", "limit"]), values, max_size=3).map(json.dumps)


@st.composite
def tools(draw: st.DrawFn, profile: Profile) -> list[Tool]:
    names = draw(st.lists(st.sampled_from(TOOL_NAMES), unique=True, min_size=1, max_size=3))
    made = []
    for name in names:
        if profile.custom_tools and draw(st.booleans()):
            grammar = draw(st.sampled_from([None, {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}]))
            made.append(Tool(name=name, description=draw(words), kind="custom", format=grammar))
            continue
        schema = {"type": "object", "properties": {key: {"type": "string"} for key in draw(
            st.lists(st.sampled_from(["city", "id", "query"]), unique=True, max_size=2))}}
        made.append(Tool(name=name, description=draw(st.one_of(st.none(), words)), parameters=schema,
                         strict=draw(st.sampled_from([None, True, False]))))
    return made


@st.composite
def conversation(draw: st.DrawFn, profile: Profile, tool_list: list[Tool]) -> list[Message]:
    messages: list[Message] = []
    if draw(st.booleans()):
        messages.append(Message("system", [TextPart(draw(words))]))
    if profile.developer and draw(st.booleans()):
        messages.append(Message("developer", [TextPart(draw(words))]))
    for _ in range(draw(st.integers(1, 3))):
        user = draw(st.lists(st.one_of(text_part(profile), image_part(profile), pdf_part()), min_size=1, max_size=3))
        messages.append(Message("user", [TextPart(draw(words)), *user]))
        if not draw(often):
            continue
        assistant: list[Part] = []
        if profile.reasoning_origin is not None and draw(often):
            assistant.append(reasoning(profile.reasoning_origin, draw(words), draw(ids)))
        assistant += [TextPart(draw(words))] if draw(st.booleans()) or not tool_list else []
        calls = []
        chosen = draw(st.lists(st.sampled_from(tool_list), min_size=int(draw(often)), max_size=2)) if tool_list else []
        for tool in chosen:
            raw = draw(words) if tool.kind == "custom" else draw(arguments())
            kind: Literal["function", "custom"] = "custom" if tool.kind == "custom" else "function"
            calls.append(ToolCallPart(id="call_" + draw(ids), name=tool.name, arguments=raw, kind=kind))
        assistant += calls
        if not assistant:
            continue
        messages.append(Message("assistant", assistant))
        if calls:
            results = [ToolResultPart(call.id, [TextPart(draw(words))],
                                      is_error=profile.is_error and draw(st.booleans())) for call in calls]
            messages.append(Message("tool", list(results)))
            messages.append(Message("assistant", [TextPart(draw(words))]))
            messages.append(Message("user", [TextPart(draw(words))]))
    if messages[-1].role == "assistant":
        messages.append(Message("user", [TextPart(draw(words))]))
    return messages


def reasoning(origin: str, text: str, proof: str) -> ReasoningPart:
    if origin == "anthropic_messages":
        return ReasoningPart(text=text, signature="Sig" + proof, origin=origin)
    if origin == "openai_responses":
        return ReasoningPart(summary=[text], encrypted="gAAAA" + proof, id="rs_" + proof, origin=origin)
    return ReasoningPart(text=text, origin=origin)


@st.composite
def requests(draw: st.DrawFn, profile: Profile) -> Request:
    with_tools = draw(often)
    tool_list: list[Tool] = draw(tools(profile)) if with_tools else []
    choice = None
    with_choice = draw(st.booleans())
    if tool_list and with_choice:
        mode: Literal["auto", "none", "required", "tool"] = draw(st.sampled_from(["auto", "none", "required", "tool"]))
        choice = ToolChoice(mode, draw(st.sampled_from([tool.name for tool in tool_list])) if mode == "tool" else None)
    output = None
    if draw(st.booleans()):
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
        output = OutputFormat("json_schema", name=draw(st.sampled_from(["answer", "result"])), schema=schema,
                              strict=draw(st.sampled_from([None, True])))
    effort = draw(st.sampled_from([None, "minimal", "low", "medium", "high", "xhigh"]))
    return Request(
        model="m",
        messages=draw(conversation(profile, tool_list)),
        stream=draw(st.booleans()),
        max_tokens=draw(st.integers(16, 4096)),
        temperature=draw(st.one_of(st.none(), st.sampled_from([0.0, 0.25, 0.5, 1.0]))),
        top_p=draw(st.one_of(st.none(), st.sampled_from([0.1, 0.9, 1.0]))),
        stop=draw(st.lists(words, max_size=3)) if profile.stop else [],
        user=draw(st.one_of(st.none(), ids)),
        metadata={"ticket": draw(ids)} if profile.metadata and draw(st.booleans()) else None,
        tools=tool_list,
        tool_choice=choice,
        parallel_tool_calls=draw(st.sampled_from([None, True, False])) if tool_list else None,
        reasoning=None if effort is None else ReasoningConfig(effort=effort),  # type: ignore[arg-type]
        output_format=output,
        prompt_cache_key=draw(st.one_of(st.none(), ids)) if profile.prompt_cache_key else None,
    )
