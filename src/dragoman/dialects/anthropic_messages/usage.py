"""Anthropic ``usage`` <-> canonical :class:`Usage`.

Anthropic's ``input_tokens`` EXCLUDES ``cache_read_input_tokens`` and ``cache_creation_input_tokens``; the
canonical ``input_tokens`` includes both, so decoding adds them and encoding subtracts them (clamped at 0
when a foreign upstream reports more cached tokens than input tokens). Reasoning tokens travel as
``output_tokens_details.thinking_tokens`` (they are already counted in ``output_tokens``).

Named rules for what the canonical usage cannot carry: ``cache_creation`` (the per-TTL split of cache
writes), ``server_tool_use``, ``service_tier``, ``inference_geo`` and ``speed`` are not decoded and are
encoded as ``null`` (the spec requires the keys, nullable).
"""

from __future__ import annotations

from dragoman.canonical.response import Usage
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import token_count


def decode_usage(wire: object) -> Usage:
    """Tolerant: a missing, ``null`` or malformed count is 0."""
    if not isinstance(wire, dict):
        return Usage()
    cache_read = token_count(wire, "cache_read_input_tokens")
    cache_write = token_count(wire, "cache_creation_input_tokens")
    details = wire.get("output_tokens_details")
    return Usage(
        input_tokens=token_count(wire, "input_tokens") + cache_read + cache_write,
        output_tokens=token_count(wire, "output_tokens"),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=token_count(details, "thinking_tokens") if isinstance(details, dict) else 0,
    )


def merge_usage(base: JSONObject, update: object) -> None:
    """Fold a ``message_delta.usage`` into the ``message_start`` one: its counts are cumulative totals and
    the optional ones are omitted or ``null`` when not reported, so only present values overwrite."""
    if isinstance(update, dict):
        for key, value in update.items():
            if value is not None:
                base[key] = value


def _uncached_input(usage: Usage) -> int:
    return max(0, usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens)


def encode_usage(usage: Usage) -> JSONObject:
    """The ``Usage`` object of a ``Message`` (also inside ``message_start``)."""
    wire: JSONObject = {
        "input_tokens": _uncached_input(usage),
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "cache_creation": None,
        "output_tokens": usage.output_tokens,
        "server_tool_use": None,
        "service_tier": None,
        "inference_geo": None,
    }
    if usage.reasoning_tokens:
        wire["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    return wire


def encode_delta_usage(usage: Usage) -> JSONObject:
    """The ``usage`` of ``message_delta``: the final, cumulative numbers."""
    wire: JSONObject = {
        "input_tokens": _uncached_input(usage),
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": usage.output_tokens,
        "server_tool_use": None,
    }
    if usage.reasoning_tokens:
        wire["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
    return wire
