"""Field checks shared by the request decoders. Each raises ``InvalidRequest`` naming the wire path."""

from __future__ import annotations

from typing import Any

from dragoman.canonical.errors import InvalidRequest

MAX_STOP_SEQUENCES = 4


def require_object(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequest(f"'{param}' must be an object", param=param)
    return value


def require_list(value: Any, param: str, *, non_empty: bool = True) -> list[Any]:
    if value is None:
        raise InvalidRequest(f"'{param}' is required", param=param)
    if not isinstance(value, list):
        raise InvalidRequest(f"'{param}' must be an array", param=param)
    if non_empty and not value:
        raise InvalidRequest(f"'{param}' must not be empty", param=param)
    return value


def optional_str(body: dict[str, Any], key: str, param: str | None = None) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"'{param or key}' must be a string", param=param or key)
    return value


def optional_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidRequest(f"'{key}' must be a boolean", param=key)
    return value


def optional_number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"'{key}' must be a number", param=key)
    if not low <= value <= high:
        raise InvalidRequest(f"'{key}' must be between {low:g} and {high:g}, got {value}", param=key)
    return float(value)


def optional_positive_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(f"'{key}' must be a positive integer, got {value!r}", param=key)
    return value


def stop_sequences(value: Any, param: str) -> list[str]:
    """``stop`` may be a string or a list of up to four strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidRequest(f"'{param}' must be a string or an array of strings", param=param)
    if len(value) > MAX_STOP_SEQUENCES:
        raise InvalidRequest(
            f"'{param}' may hold at most {MAX_STOP_SEQUENCES} sequences, got {len(value)}", param=param
        )
    return list(value)


def metadata_map(value: Any, param: str) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidRequest(f"'{param}' must be an object", param=param)
    return {str(key): str(item) for key, item in value.items()}


def token_count(container: object, key: str) -> int:
    """A usage count read leniently from an upstream: a missing, null, negative or non-integer value is 0."""
    if not isinstance(container, dict):
        return 0
    value = container.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
