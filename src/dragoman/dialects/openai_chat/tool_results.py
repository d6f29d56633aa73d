"""Chat ``role: "tool"`` messages <-> canonical :class:`ToolResultPart`.

Decoding: ``{"role": "tool", "tool_call_id", "content"}`` -> ``ToolResultPart(call_id=tool_call_id)`` whose
content is the string as one :class:`TextPart` (an empty string gives no part) or the array's parts: ``text``
parts (the spec's only kind) and, leniently, images and files as in user messages. Chat has no error flag,
so ``is_error`` is always false.

Encoding (to a chat upstream), one ``tool`` message per result, in order, named rules:

- *tool-error-prefix*: ``is_error=True`` is written as the result text prefixed with ``"Error: "``
  (``"Error"`` alone when the result has no text).
- *tool-result-attachments-as-user*: a ``tool`` message takes text only, so the images and PDFs of the
  results of one canonical tool message follow all its ``tool`` messages (chat wants every result right
  after the calls) in one ``user`` message, each result's attachments after a text line naming the call
  (``"Attachments of the result of tool call <id>:"``); a result with attachments and no text says
  ``"The result is attached in the next message."``. Text documents stay in the tool message as text
  (*text-document-as-text*, content.py).
- *cache_control-dropped*: cache markers on results are not written.
"""

from __future__ import annotations

from typing import Final

from dragoman.canonical.content import DocumentPart, ImagePart, TextPart, ToolResultPart
from dragoman.canonical.errors import InvalidRequest
from dragoman.canonical.request import Message
from dragoman.dialects.base import JSONObject
from dragoman.dialects.openai_chat.content import decode_part, encode_document, encode_image, encode_text

ERROR_PREFIX: Final = "Error: "
ATTACHED_NOTE: Final = "The result is attached in the next message."
ATTACHMENTS_HEADER: Final = "Attachments of the result of tool call {call_id}:"


def not_carried(path: str, what: str) -> InvalidRequest:
    return InvalidRequest(f"'{path}': {what} cannot be sent to an OpenAI Chat Completions upstream", param=path)


def decode_tool_message(message: JSONObject, path: str, untranslated: list[str]) -> ToolResultPart:
    call_id = message.get("tool_call_id")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRequest(f"'{path}.tool_call_id' is required and must be a non-empty string",
                             param=f"{path}.tool_call_id")
    content = message.get("content")
    if isinstance(content, str):
        return ToolResultPart(call_id, [TextPart(content)] if content else [])
    if content is None:
        raise InvalidRequest(f"'{path}.content' is required", param=f"{path}.content")
    if not isinstance(content, list):
        raise InvalidRequest(f"'{path}.content' must be a string or an array of content parts",
                             param=f"{path}.content")
    parts: list[TextPart | ImagePart | DocumentPart] = []
    for j, item in enumerate(content):
        part = decode_part(item, f"{path}.content[{j}]", "tool")
        if isinstance(part, TextPart | ImagePart | DocumentPart):
            parts.append(part)
        else:
            untranslated.append(f"{path}.content[{j}]")
    return ToolResultPart(call_id, parts)


def encode_tool_message(message: Message, path: str) -> list[JSONObject]:
    out: list[JSONObject] = []
    attachments: list[JSONObject] = []
    for j, result in enumerate(message.content):
        result_path = f"{path}.content[{j}]"
        if not isinstance(result, ToolResultPart):
            raise not_carried(result_path, f"{result.type} parts in a tool message")
        texts, attached = _encode_result_parts(result, result_path)
        if result.is_error:
            texts[:1] = [{"type": "text", "text": ERROR_PREFIX + texts[0]["text"] if texts else "Error"}]
        if attached:
            if not texts:
                texts = [{"type": "text", "text": ATTACHED_NOTE}]
            attachments.append({"type": "text", "text": ATTACHMENTS_HEADER.format(call_id=result.call_id)})
            attachments.extend(attached)
        content: str | list[JSONObject] = texts if len(texts) > 1 else texts[0]["text"] if texts else ""
        out.append({"role": "tool", "tool_call_id": result.call_id, "content": content})
    if attachments:
        out.append({"role": "user", "content": attachments})
    return out


def _encode_result_parts(result: ToolResultPart, path: str) -> tuple[list[JSONObject], list[JSONObject]]:
    texts: list[JSONObject] = []
    attached: list[JSONObject] = []
    for k, part in enumerate(result.content):
        part_path = f"{path}.content[{k}]"
        if isinstance(part, TextPart):
            texts.append(encode_text(part))
        elif isinstance(part, ImagePart):
            attached.append(encode_image(part, part_path))
        else:
            document = encode_document(part, part_path)
            (texts if document["type"] == "text" else attached).append(document)
    return texts, attached
