"""The routing part of the config: defaults, the per-deployment fields, pool-wide agreement, and errors that
name the field."""

from __future__ import annotations

import pytest

from dragoman.config import ConfigError, parse_config


def entry(name: str, extra: str = "") -> str:
    return f"  - {{name: '{name}', provider: openai, base_url: http://127.0.0.1:9/v1{extra}}}\n"


def test_defaults() -> None:
    config = parse_config("models:\n" + entry("fast"))
    deployment, routing = config.models[0], config.routing
    assert (deployment.weight, deployment.priority, deployment.rpm, deployment.tpm, deployment.max_parallel) == (
        1.0, 0, None, None, None)
    assert (deployment.connect_timeout, deployment.first_token_seconds, deployment.idle_seconds) == (10, 180, 180)
    assert (deployment.aliases, deployment.fallbacks, deployment.strategy) == ([], None, None)
    assert (routing.strategy, routing.retries, routing.retry_deadline) == ("least-busy", 2, 60)
    assert (routing.cooldown_after_failures, routing.cooldown_seconds, routing.shutdown_grace_seconds) == (3, 30, 30)


def test_every_routing_field_is_read() -> None:
    text = (
        "models:\n"
        + entry("fast", ", weight: 3, rpm: 60, tpm: 1000, max_parallel: 4, priority: 1, aliases: [quick, f],"
                " connect_timeout: 2, first_token_timeout: 5, idle_timeout: 7, timeout: 90,"
                " fallbacks: [slow], strategy: round-robin")
        + entry("fast")
        + entry("slow")
        + "default_model: quick\n"
        + "routing: {strategy: ordered, retries: 5, retry_deadline: 9, backoff_base: 0.1, backoff_max: 2,"
          " cooldown_after_failures: 1, cooldown_seconds: 4, shutdown_grace_seconds: 0, affinity_ttl_seconds: 60,"
          " affinity_max_entries: 10}\n"
    )
    config = parse_config(text)
    first = config.models[0]
    assert (first.weight, first.rpm, first.tpm, first.max_parallel, first.priority) == (3, 60, 1000, 4, 1)
    assert (first.aliases, first.fallbacks, first.strategy) == (["quick", "f"], ["slow"], "round-robin")
    assert (first.connect_timeout, first.first_token_seconds, first.idle_seconds, first.timeout) == (2, 5, 7, 90)
    assert config.default_model == "quick"
    routing = config.routing
    assert (routing.strategy, routing.retries, routing.retry_deadline, routing.backoff_base, routing.backoff_max) == (
        "ordered", 5, 9, 0.1, 2)
    assert (routing.cooldown_after_failures, routing.cooldown_seconds, routing.shutdown_grace_seconds) == (1, 4, 0)
    assert (routing.affinity_ttl_seconds, routing.affinity_max_entries) == (60, 10)


def test_wildcard_route() -> None:
    deployment = parse_config("models:\n" + entry("anthropic/*")).models[0]
    assert deployment.is_wildcard


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry("m", ", weight: 0"), r"models\[0\]\.weight: .*greater than 0"),
        (entry("m", ", rpm: 0"), r"models\[0\]\.rpm"),
        (entry("m", ", max_parallel: -1"), r"models\[0\]\.max_parallel"),
        (entry("m", ", first_token_timeout: 0"), r"models\[0\]\.first_token_timeout"),
        (entry("m", ", strategy: fastest"), r"models\[0\]\.strategy: .*least-busy"),
        (entry("m", ", aliases: ['']"), r"models\[0\]\.aliases: .*not a usable alias"),
        (entry("a*"), r"models\[0\]\.name: .*wildcard name is a prefix followed by '/\*'"),
        (entry("a/*/b/*"), r"models\[0\]\.name: .*wildcard"),
        (entry("a/*", ", model: x"), r"models\[0\]: .*model cannot be set on the wildcard route 'a/\*'"),
        (entry("a/*", ", aliases: [x]"), r"models\[0\]: .*aliases cannot be set on the wildcard route"),
        (entry("a", ", fallbacks: [b]") + entry("a", ", fallbacks: [c]") + entry("b") + entry("c"),
         r"models\[1\]\.fallbacks: \['c'\] differs from \['b'\] set by another entry of the pool 'a'"),
        (entry("a", ", strategy: ordered") + entry("a", ", strategy: round-robin"),
         r"models\[1\]\.strategy: 'round-robin' differs from 'ordered'.*pool 'a'"),
        (entry("a", ", fallbacks: [nope]"), r"models\[0\]\.fallbacks: 'nope' is not a configured model name or alias"),
        (entry("a", ", fallbacks: [a]"), r"models\[0\]\.fallbacks: 'a' is the pool 'a' itself"),
        (entry("a", ", aliases: [b]") + entry("b"), r"models\[0\]\.aliases: 'b' is already the name of a model"),
        (entry("a", ", aliases: [x]") + entry("b", ", aliases: [x]"),
         r"models\[1\]\.aliases: 'x' is already an alias of 'a'"),
        (entry("a", ", id: one") + entry("b", ", id: one"), r"models\[1\]\.id: 'one' is already the id of models\[0\]"),
        ("routing: {retries: -1}", r"routing\.retries"),
        ("routing: {cooldown_after_failures: 0}", r"routing\.cooldown_after_failures"),
        ("routing: {strategy: random}", r"routing\.strategy"),
        ("routing: {colour: red}", r"routing\.colour: Extra inputs"),
    ],
)
def test_bad_routing_config_names_the_field(text: str, message: str) -> None:
    full = text if text.startswith("routing") else "models:\n" + text
    with pytest.raises(ConfigError, match=message):
        parse_config(full)


def test_pool_entries_may_leave_pool_settings_unset() -> None:
    config = parse_config("models:\n" + entry("a", ", fallbacks: [b], strategy: ordered") + entry("a") + entry("b"))
    assert [model.fallbacks for model in config.models] == [["b"], None, None]


def test_fallbacks_may_name_an_alias_or_a_wildcard_route() -> None:
    config = parse_config("models:\n" + entry("a", ", fallbacks: [quick, anthropic/claude-x]")
                          + entry("b", ", aliases: [quick]") + entry("anthropic/*"))
    assert config.models[0].fallbacks == ["quick", "anthropic/claude-x"]
