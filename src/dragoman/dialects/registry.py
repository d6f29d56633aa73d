"""The three dialect codecs by name."""

from __future__ import annotations

from dragoman.dialects.anthropic_messages.codec import CODEC as ANTHROPIC_MESSAGES
from dragoman.dialects.base import Codec, DialectName
from dragoman.dialects.openai_chat.codec import CODEC as OPENAI_CHAT
from dragoman.dialects.openai_responses.codec import CODEC as OPENAI_RESPONSES

CODECS: dict[DialectName, Codec] = {
    "openai_chat": OPENAI_CHAT,
    "openai_responses": OPENAI_RESPONSES,
    "anthropic_messages": ANTHROPIC_MESSAGES,
}
