"""Chat Completions ``usage`` <-> canonical :class:`Usage`.

Chat's ``prompt_tokens`` already includes cached tokens, which is the canonical convention, so input
tokens pass through unchanged. Cache reads come from ``prompt_tokens_details.cached_tokens`` (DeepSeek
reports them as ``prompt_cache_hit_tokens`` instead), cache writes from
``prompt_tokens_details.cache_write_tokens`` (in the spec, sent by OpenRouter), reasoning from
``completion_tokens_details.reasoning_tokens``. Servers that send ``null`` for a detail or omit it count 0.

Encoding writes ``total_tokens`` as input + output and ``cache_write_tokens`` only when non-zero (OpenAI
itself never sends it), so decode(encode(u)) == u for every usage.
"""

from __future__ import annotations

from dragoman.canonical.response import Usage
from dragoman.dialects.base import JSONObject
from dragoman.dialects.validate import token_count


def decode_usage(usage: object) -> Usage:
    if not isinstance(usage, dict):
        return Usage()
    prompt_details = usage.get("prompt_tokens_details")
    cache_read = token_count(prompt_details, "cached_tokens") or token_count(usage, "prompt_cache_hit_tokens")
    return Usage(
        input_tokens=token_count(usage, "prompt_tokens"),
        output_tokens=token_count(usage, "completion_tokens"),
        cache_read_tokens=cache_read,
        cache_write_tokens=token_count(prompt_details, "cache_write_tokens"),
        reasoning_tokens=token_count(usage.get("completion_tokens_details"), "reasoning_tokens"),
    )


def encode_usage(usage: Usage) -> JSONObject:
    prompt_details: JSONObject = {"cached_tokens": usage.cache_read_tokens}
    if usage.cache_write_tokens:
        prompt_details["cache_write_tokens"] = usage.cache_write_tokens
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
    }
