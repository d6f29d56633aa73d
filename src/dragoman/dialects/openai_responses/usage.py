"""Responses ``usage`` <-> canonical :class:`Usage`.

``input_tokens`` already includes cached tokens (the canonical convention), so it passes through unchanged.
Cache reads are ``input_tokens_details.cached_tokens``, cache writes ``input_tokens_details.cache_write_tokens``
(newer recordings send it and the spec requires it), reasoning ``output_tokens_details.reasoning_tokens``.
A missing or ``null`` count is 0. Encoding always writes every detail the spec requires and
``total_tokens`` as input + output, so decode(encode(u)) == u.
"""

from __future__ import annotations

from dragoman.canonical.response import Usage
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import token_count


def decode_usage(usage: object) -> Usage:
    if not isinstance(usage, dict):
        return Usage()
    input_details = usage.get("input_tokens_details")
    return Usage(
        input_tokens=token_count(usage, "input_tokens"),
        output_tokens=token_count(usage, "output_tokens"),
        cache_read_tokens=token_count(input_details, "cached_tokens"),
        cache_write_tokens=token_count(input_details, "cache_write_tokens"),
        reasoning_tokens=token_count(usage.get("output_tokens_details"), "reasoning_tokens"),
    )


def encode_usage(usage: Usage) -> JSONObject:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }
