"""Validate bodies and stream events against the official OpenAPI schemas in ../shared/specs.

The OpenAI spec is OpenAPI 3.1 but still marks optional-null fields with the 3.0 ``nullable: true``
keyword, which JSON Schema ignores; we rewrite it to ``type: [T, "null"]`` (or an ``anyOf`` with null)
before validating. The parsed, rewritten specs are cached as JSON under ``.cache/`` keyed by file size
and mtime, because parsing the 3 MB YAML takes a while.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.paths import REPO, SPECS

CACHE = REPO / ".cache"
SPEC_FILES = {"openai": SPECS / "openai-openapi.yaml", "anthropic": SPECS / "anthropic-openapi.yaml"}


def _rewrite_nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _rewrite_nullable(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        elif isinstance(kind, list):
            if "null" not in kind:
                node["type"] = [*kind, "null"]
        else:
            return {"anyOf": [node, {"type": "null"}]}
    node.pop("discriminator", None)
    return node


def _load_spec(name: str) -> dict[str, Any]:
    path = SPEC_FILES[name]
    stat = path.stat()
    cached = CACHE / f"spec-{name}-{stat.st_size}-{int(stat.st_mtime)}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = _rewrite_nullable(yaml.load(path.read_text(), Loader=loader))
    CACHE.mkdir(exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(spec, default=str))
    tmp.replace(cached)
    return spec


@functools.cache
def _registry(name: str) -> tuple[Registry[Any], str]:
    uri = f"urn:dragoman-spec:{name}"
    resource = Resource.from_contents(_load_spec(name), default_specification=DRAFT202012)
    return Registry().with_resource(uri, resource), uri


@functools.cache
def validator(spec: str, schema: str) -> Draft202012Validator:
    registry, uri = _registry(spec)
    return Draft202012Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry)


def schema_errors(spec: str, schema: str, instance: Any) -> list[str]:
    errors = sorted(validator(spec, schema).iter_errors(instance), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message[:300]}" for e in errors]


def assert_valid(spec: str, schema: str, instance: Any) -> None:
    """Fail with every violation listed when ``instance`` does not match ``spec``'s component ``schema``."""
    errors = schema_errors(spec, schema, instance)
    assert not errors, f"{schema} violations:\n" + "\n".join(errors) + f"\ninstance: {json.dumps(instance)[:2000]}"


# Which schema each thing we emit must satisfy.
OPENAI_CHAT_RESPONSE = ("openai", "CreateChatCompletionResponse")
OPENAI_CHAT_CHUNK = ("openai", "CreateChatCompletionStreamResponse")
OPENAI_RESPONSE = ("openai", "Response")
OPENAI_RESPONSE_EVENT = ("openai", "ResponseStreamEvent")
OPENAI_ERROR = ("openai", "ErrorResponse")
ANTHROPIC_MESSAGE = ("anthropic", "Message")
ANTHROPIC_STREAM_EVENT = ("anthropic", "MessageStreamEvent")
ANTHROPIC_ERROR = ("anthropic", "ErrorResponse")


def spec_path() -> Path:
    return SPECS


def _type_values(schema: dict[str, Any]) -> set[str]:
    prop = schema.get("properties", {}).get("type", {})
    values = set(prop.get("enum", []) or [])
    if "const" in prop:
        values.add(prop["const"])
    if "default" in prop and not values:
        values.add(prop["default"])
    return {value for value in values if isinstance(value, str)}


@functools.cache
def _union_members(spec: str, union: str) -> dict[str, str]:
    """Map each ``type`` value of a union schema's members to the member's schema name."""
    schemas = _load_spec(spec)["components"]["schemas"]
    members: dict[str, str] = {}
    pending = [schemas[union]]
    while pending:
        node = pending.pop()
        for option in node.get("anyOf", []) + node.get("oneOf", []):
            ref = option.get("$ref", "")
            if not ref:
                pending.append(option)
                continue
            name = ref.rsplit("/", 1)[-1]
            target = schemas[name]
            if "anyOf" in target or "oneOf" in target:
                pending.append(target)
            for value in _type_values(target):
                members.setdefault(value, name)
    return members


def assert_valid_event(spec: str, union: str, instance: Any) -> None:
    """Validate a discriminated-union member (stream event, content block) against the member its
    ``type`` selects, so a failure names the exact field rather than "not valid under any schema"."""
    member = _union_members(spec, union).get(instance.get("type")) if isinstance(instance, dict) else None
    assert member is not None, f"{union}: no member for type {instance.get('type')!r}: {json.dumps(instance)[:500]}"
    assert_valid(spec, member, instance)
