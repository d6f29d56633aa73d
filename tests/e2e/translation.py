"""One rich request per client dialect, and readers of what an upstream of each dialect received."""

from __future__ import annotations

from typing import Any

from tests.upstream import Dialect

SYSTEM = "Be brief."
TURNS = [("user", "Hello"), ("assistant", "Hi! How can I help?"), ("user", "Name a colour.")]
MAX_TOKENS = 77
TEMPERATURE = 0.3
TOP_P = 0.9
STOP = ["END", "STOP"]
USER = "user-42"


def rich_request(client: Dialect, model: str, *, stop: bool = True, **extra: Any) -> dict[str, Any]:
    """System prompt, three turns, every sampling knob, max tokens, stop sequences and the end user."""
    turns = [{"role": role, "content": text} for role, text in TURNS]
    body: dict[str, Any]
    if client == "chat":
        body = {"model": model, "messages": [{"role": "system", "content": SYSTEM}, *turns],
                "max_completion_tokens": MAX_TOKENS, "user": USER}
    elif client == "responses":
        body = {"model": model, "instructions": SYSTEM, "input": turns, "max_output_tokens": MAX_TOKENS,
                "user": USER}
    else:
        body = {"model": model, "system": SYSTEM, "messages": turns, "max_tokens": MAX_TOKENS,
                "metadata": {"user_id": USER}}
    body.update(temperature=TEMPERATURE, top_p=TOP_P)
    if stop and client == "chat":
        body["stop"] = STOP
    elif stop and client == "anthropic":
        body["stop_sequences"] = STOP
    return {**body, **extra}


def text_of(content: Any) -> str:
    """The text of a message's content in any dialect: a string or a list of text-carrying parts."""
    if isinstance(content, str):
        return content
    assert isinstance(content, list), f"content is neither a string nor a list: {content!r}"
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def conversation(upstream: Dialect, body: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """(system/developer texts in order, the other turns as (role, text)) as the upstream received them."""
    system: list[str] = []
    if upstream == "anthropic":
        if body.get("system") is not None:
            system.append(text_of(body["system"]))
        items = body["messages"]
    elif upstream == "responses":
        if body.get("instructions"):
            system.append(body["instructions"])
        items = [{"role": "user", "content": body["input"]}] if isinstance(body["input"], str) else body["input"]
    else:
        items = body["messages"]
    turns: list[tuple[str, str]] = []
    for item in items:
        if item["role"] in ("system", "developer"):
            system.append(text_of(item["content"]))
        else:
            turns.append((item["role"], text_of(item["content"])))
    return system, turns


def max_tokens_of(upstream: Dialect, body: dict[str, Any]) -> int | None:
    if upstream == "anthropic":
        return body.get("max_tokens")
    if upstream == "responses":
        return body.get("max_output_tokens")
    given = [body[key] for key in ("max_completion_tokens", "max_tokens") if key in body]
    assert len(given) <= 1, f"both max_tokens and max_completion_tokens sent: {body}"
    return given[0] if given else None


def stop_of(upstream: Dialect, body: dict[str, Any]) -> list[str] | None:
    value = body.get("stop_sequences" if upstream == "anthropic" else "stop")
    return [value] if isinstance(value, str) else value


def user_of(upstream: Dialect, body: dict[str, Any]) -> str | None:
    if upstream == "anthropic":
        return (body.get("metadata") or {}).get("user_id")
    return body.get("user") or body.get("safety_identifier")


def strings_in(node: Any) -> list[str]:
    """Every string value anywhere in a JSON value (to find text without caring where a codec put it)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings_in(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings_in(value)]
    return []


def mentions(node: Any, text: str) -> bool:
    return any(text in value for value in strings_in(node))
