"""What a failing real-CLI test prints: the CLI's run, every request the upstream received with the answer
it gave, and the gateway's log, so the failure names who sent what."""

from __future__ import annotations

import json
from typing import Any

from tests.clients.runs import CliRun
from tests.gateway import Gateway
from tests.upstream import Body, FakeUpstream, ReceivedRequest, Stream
from tests.upstream.recorded import record_payload


def _outline(dialect_body: Any) -> str:
    """A request body in one line: its model, message roles and block types, and tool names."""
    if not isinstance(dialect_body, dict):
        return repr(dialect_body)[:300]
    items = dialect_body.get("messages") or dialect_body.get("input") or []
    shape = []
    for item in items if isinstance(items, list) else []:
        content = item.get("content")
        kinds = [part.get("type") for part in content if isinstance(part, dict)] if isinstance(content, list) else []
        calls = ["tool_call"] * len(item.get("tool_calls") or [])
        shape.append(f"{item.get('role') or item.get('type')}{kinds + calls if kinds or calls else ''}")
    tools = [tool.get("name") or (tool.get("function") or {}).get("name") or tool.get("type")
             for tool in dialect_body.get("tools") or []]
    return f"model={dialect_body.get('model')!r} items={shape} tools({len(tools)})={tools}"


def _answer(request: ReceivedRequest) -> str:
    match request.answer:
        case Body():
            return f"HTTP {request.answer.status} {request.answer.content[:1500].decode(errors='replace')}"
        case Stream():
            payloads = [record_payload(record) for record in request.answer.records]
            kinds = [p.get("type") or (p.get("choices") or [{}])[0].get("finish_reason") or "chunk"
                     for p in payloads if isinstance(p, dict)]
            return f"stream of {len(kinds)} events: {kinds[:12]}{' …' if len(kinds) > 12 else ''}"
        case _:
            return repr(request.answer)


def upstream_log(upstream: FakeUpstream) -> str:
    lines = []
    for number, request in enumerate(upstream.requests, 1):
        lines.append(f"#{number} {request.method} {request.path}: {_outline(request.json)}")
        lines.append(f"    answered: {_answer(request)}")
    return "\n".join(lines) or "(the upstream received nothing)"


def failure_report(run: CliRun, upstream: FakeUpstream, gateway: Gateway) -> str:
    return (f"{run.describe()}\n--- what the upstream received ---\n{upstream_log(upstream)}\n"
            f"--- gateway log (tail) ---\n{gateway.output()[-3000:]}")


def dump(body: Any) -> str:
    return json.dumps(body, indent=1)[:6000]
