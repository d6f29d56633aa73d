"""Config parsing: interpolation, defaults, and errors that name the field."""

from __future__ import annotations

import pytest

from dragoman.config import DEFAULT_MAX_BODY_BYTES, ConfigError, parse_config

MINIMAL = """
models:
  - name: fast
    provider: openai
    base_url: http://127.0.0.1:9000/v1/
    api_key: ${UPSTREAM_KEY}
    model: gpt-4o-mini
    timeout: 30
  - name: fast
    provider: anthropic
    base_url: ${ANTHROPIC_URL:-https://api.anthropic.com}
default_model: fast
"""


def test_minimal_config_with_interpolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTREAM_KEY", "sk-upstream")
    monkeypatch.delenv("ANTHROPIC_URL", raising=False)
    config = parse_config(MINIMAL)
    first, second = config.models
    assert (first.api_key, first.base_url, first.upstream_model, first.timeout) == (
        "sk-upstream", "http://127.0.0.1:9000/v1", "gpt-4o-mini", 30)
    assert (second.base_url, second.upstream_model, second.dialect) == (
        "https://api.anthropic.com", "fast", "anthropic_messages")
    assert second.timeout == 180
    assert config.default_model == "fast"
    assert config.server.max_body_bytes == DEFAULT_MAX_BODY_BYTES


def test_missing_environment_variable_names_field_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPSTREAM_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"models\[0\]\.api_key: environment variable UPSTREAM_KEY is not set"):
        parse_config(MINIMAL)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models:\n  - name: m\n    provider: gemini\n    base_url: http://x", r"models\[0\]\.provider"),
        ("models:\n  - name: m\n    provider: openai\n    base_url: ftp://x", r"models\[0\]\.base_url: .*http"),
        ("models:\n  - name: m\n    provider: openai", r"models\[0\]\.base_url: .*Field required for provider"),
        ("models:\n  - name: m\n    provider: openai\n    base_url: http://x\n    timeout: -1",
         r"models\[0\]\.timeout"),
        ("models:\n  - name: m\n    provider: openai\n    base_url: http://x\n    colour: red",
         r"models\[0\]\.colour: Extra inputs"),
        ("models: []\ndefault_model: nope", r"default_model 'nope' is not one of"),
        ("server:\n  keepalive_interval: 0", r"server\.keepalive_interval"),
        ("storage: mysql://db/dragoman", r"storage: .*unsupported database 'mysql'"),
        ("redis: http://127.0.0.1:6379", r"redis\.url: .*redis://"),
        ("auth:\n  master_key: short", r"auth\.master_key"),
        ("- just\n- a list", r"top level must be a mapping"),
        ("models: [unclosed", r"not valid YAML"),
    ],
)
def test_bad_config_names_the_field(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


def test_empty_config_means_no_models() -> None:
    assert parse_config("").models == []
