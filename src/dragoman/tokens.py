"""A local, dialect-neutral token estimate for requests whose upstream cannot count tokens itself.

About four characters of English or JSON per token, plus a small overhead per message and a fixed cost
per image or document page-ish attachment. It is an estimate and is always labelled as one.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

CHARS_PER_TOKEN = 4.0
TOKENS_PER_MESSAGE = 3
TOKENS_PER_IMAGE = 1600
TOKENS_PER_DOCUMENT = 3000
_MEDIA_COST = {"image": TOKENS_PER_IMAGE, "input_image": TOKENS_PER_IMAGE, "image_url": TOKENS_PER_IMAGE,
               "document": TOKENS_PER_DOCUMENT, "input_file": TOKENS_PER_DOCUMENT, "file": TOKENS_PER_DOCUMENT}


def _content_chars_and_media(node: Any) -> tuple[int, int]:
    """Characters of text worth counting and the fixed token cost of media inside ``node``."""
    if isinstance(node, str):
        return len(node), 0
    if isinstance(node, list):
        chars = media = 0
        for item in node:
            item_chars, item_media = _content_chars_and_media(item)
            chars, media = chars + item_chars, media + item_media
        return chars, media
    if isinstance(node, dict):
        kind = node.get("type")
        if isinstance(kind, str) and kind in _MEDIA_COST:
            return 0, _MEDIA_COST[kind]
        chars = media = 0
        for key, value in node.items():
            if key in ("type", "cache_control", "signature", "id", "tool_use_id", "role"):
                continue
            if key in ("input", "parameters", "input_schema") and not isinstance(value, str):
                chars += len(orjson.dumps(value))
                continue
            item_chars, item_media = _content_chars_and_media(value)
            chars, media = chars + item_chars, media + item_media
        return chars, media
    return 0, 0


def estimate_input_tokens(body: dict[str, Any]) -> int:
    """Estimate the input tokens of an Anthropic-, chat- or Responses-shaped request body."""
    chars = media = 0
    messages = body.get("messages", body.get("input", []))
    count = len(messages) if isinstance(messages, list) else 1
    for key in ("system", "instructions", "messages", "input", "tools"):
        if key in body:
            key_chars, key_media = _content_chars_and_media(body[key])
            chars, media = chars + key_chars, media + key_media
    return math.ceil(chars / CHARS_PER_TOKEN) + media + TOKENS_PER_MESSAGE * count
