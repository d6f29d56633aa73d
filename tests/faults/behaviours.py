"""What the fault-injecting upstream does with one request, named by a short spec.

A spec comes from the request's ``model`` (``status-500``, ``ok@b``: ``@tag`` only tells members apart in
the records) or from the path (``/fault/<spec>/v1/chat/completions``, so a deployment's ``base_url`` can
carry it while the model name stays ordinary). Specs:

==========================  ==============================================================================
``ok``                      the recorded ``text`` answer of the dialect (JSON, or SSE when streaming)
``status-<code>``           that status with an error body in the dialect's shape
``status-<code>-retry-<s>`` the same with ``Retry-After: <s>``
``hang``                    accept the request and never answer (until the client goes away)
``reset``                   drop the connection with a TCP reset before answering
``reset-after-<n>``         stream ``n`` records (JSON: the status line and half the body), then reset
``garbage``                 200 with a body that is not JSON (streams: a record whose data is not JSON)
``truncated``               200 with the JSON cut in half (streams: the first half of the records, then EOF)
``slow-<s>``                the normal answer taking about ``s`` seconds: a JSON body after ``s`` seconds, a
                            stream's records spread evenly over ``s`` seconds (a live stream to cancel or drain)
``stall-<s>``               the normal answer; a stream pauses ``s`` seconds once, after its first record (for
                            idle timeouts)
``script-<name>``           the next spec of the sequence set with ``FaultUpstream.script(name, ...)``; the
                            last one repeats
==========================  ==============================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESET_DELAY_SECONDS = 0.1  # before a reset: lets the client read what was sent (a reset discards unread bytes)


@dataclass(frozen=True, slots=True)
class Ok:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    code: int
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Hang:
    pass


@dataclass(frozen=True, slots=True)
class Reset:
    after: int | None = None  # None: before answering at all


@dataclass(frozen=True, slots=True)
class Garbage:
    pass


@dataclass(frozen=True, slots=True)
class Truncated:
    pass


@dataclass(frozen=True, slots=True)
class Slow:
    seconds: float


@dataclass(frozen=True, slots=True)
class Stall:
    pause: float


@dataclass(frozen=True, slots=True)
class Scripted:
    name: str


Behaviour = Ok | Status | Hang | Reset | Garbage | Truncated | Slow | Stall | Scripted

_NUMBER = r"(\d+(?:\.\d+)?)"
_PATTERNS: tuple[tuple[re.Pattern[str], type], ...] = (
    (re.compile(r"ok"), Ok),
    (re.compile(rf"status-(\d{{3}})(?:-retry-{_NUMBER})?"), Status),
    (re.compile(r"hang"), Hang),
    (re.compile(r"reset(?:-after-(\d+))?"), Reset),
    (re.compile(r"garbage"), Garbage),
    (re.compile(r"truncated"), Truncated),
    (re.compile(rf"slow-{_NUMBER}"), Slow),
    (re.compile(rf"stall-{_NUMBER}"), Stall),
    (re.compile(r"script-([\w.-]+)"), Scripted),
)


def spec_of(model: str) -> str:
    """The spec part of a model name: ``status-500@a`` → ``status-500``."""
    return model.split("@", 1)[0]


def parse(spec: str) -> Behaviour | None:
    for pattern, kind in _PATTERNS:
        found = pattern.fullmatch(spec)
        if found is None:
            continue
        if kind is Status:
            code, retry = found.groups()
            return Status(int(code), float(retry) if retry is not None else None)
        if kind is Reset:
            return Reset(int(found.group(1)) if found.group(1) is not None else None)
        if kind is Slow or kind is Stall:
            return kind(float(found.group(1)))
        if kind is Scripted:
            return Scripted(found.group(1))
        return kind()  # type: ignore[no-any-return]
    return None
