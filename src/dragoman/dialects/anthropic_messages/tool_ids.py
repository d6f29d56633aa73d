"""Tool-call ids as Anthropic accepts them: ``^[a-zA-Z0-9_-]+$``.

Rule (reversible): an id that already matches is kept as is; any other id (``call.1``, ``fc:abc``, an empty
one) becomes ``PREFIX`` + its UTF-8 bytes in unpadded URL-safe base64, whose alphabet is exactly the allowed
one. A valid id that happens to start with ``PREFIX`` is encoded too, so decoding is unambiguous:
``decode_tool_id(encode_tool_id(x)) == x`` for every string.
"""

from __future__ import annotations

import base64
import binascii

PREFIX = "toolu_dgm64_"
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _is_valid(tool_id: str) -> bool:
    return bool(tool_id) and all(char in _ALLOWED for char in tool_id)


def encode_tool_id(tool_id: str) -> str:
    if _is_valid(tool_id) and not tool_id.startswith(PREFIX):
        return tool_id
    return PREFIX + base64.urlsafe_b64encode(tool_id.encode()).decode().rstrip("=")


def decode_tool_id(tool_id: str) -> str:
    if not tool_id.startswith(PREFIX):
        return tool_id
    payload = tool_id[len(PREFIX) :]
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return tool_id
