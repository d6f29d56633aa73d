"""The YAML config file: parsing, ``${ENV}`` interpolation and validation with messages that name the field.

Shape (see README for every option)::

    server: {keepalive_interval: 15, max_body_bytes: 33554432}
    models:
      - name: fast                 # the name clients send; several entries with one name form a pool
        provider: openai           # openai | openai-responses | anthropic
        base_url: http://127.0.0.1:9000/v1
        api_key: ${UPSTREAM_KEY}
        model: gpt-4o-mini         # upstream model id; defaults to name
        timeout: 180
        weight: 1                  # pool routing (see dragoman.routing): share, capacity, tier, timeouts
        priority: 0
        aliases: [quick]
        fallbacks: [smart]         # tried after this pool is exhausted; all entries of a pool agree
    default_model: fast
    routing: {strategy: least-busy, retries: 2, retry_deadline: 60, cooldown_seconds: 30}
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from dragoman.dialects.base import DialectName

ProviderName = Literal["openai", "openai-responses", "anthropic", "local"]
StrategyName = Literal["least-busy", "round-robin", "weighted-random", "ordered"]
"""How a pool picks a member; see ``dragoman.routing.strategies``."""

DIALECT_BY_PROVIDER: dict[ProviderName, DialectName] = {
    "openai": "openai_chat",
    "openai-responses": "openai_responses",
    "anthropic": "anthropic_messages",
    "local": "openai_chat",  # the embedded model answers in chat-completions shapes (llama-cpp-python's own)
}

DEFAULT_TIMEOUT_SECONDS = 180.0
DEFAULT_KEEPALIVE_SECONDS = 15.0
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_STORAGE = "./dragoman.db"
WILDCARD_SUFFIX = "/*"
MASTER_KEY_VARIABLE = "DRAGOMAN_MASTER_KEY"

_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """A config that cannot be used; the message names the field and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnthropicBetaConfig(_Strict):
    """Which client ``anthropic-beta`` flags reach an Anthropic upstream: ``allow`` (None = all) minus
    ``deny``; ``add`` flags are always sent (e.g. a beta a translated feature needs)."""

    allow: list[str] | None = None
    deny: list[str] = Field(default_factory=list)
    add: list[str] = Field(default_factory=list)

    def filter(self, header: str | None) -> str | None:
        flags = [flag.strip() for flag in (header or "").split(",") if flag.strip()]
        kept = [flag for flag in flags if (self.allow is None or flag in self.allow) and flag not in self.deny]
        kept += [flag for flag in self.add if flag not in kept]
        return ",".join(kept) or None


class PricingConfig(_Strict):
    """USD per million tokens. Cached input defaults to the input price, as do cache writes."""

    input_per_mtok: float = Field(0.0, ge=0)
    output_per_mtok: float = Field(0.0, ge=0)
    cached_input_per_mtok: float | None = Field(None, ge=0)
    cache_write_per_mtok: float | None = Field(None, ge=0)


class DeploymentConfig(_Strict):
    name: str = Field(min_length=1)
    provider: ProviderName
    base_url: str = Field("", validate_default=True)
    api_key: str | None = None
    model: str | None = None
    timeout: float = Field(DEFAULT_TIMEOUT_SECONDS, gt=0)
    max_tokens: int | None = Field(None, gt=0)
    id: str | None = None
    drop_unsupported_tools: bool = False
    reasoning: bool = True
    structured_output: Literal["native", "tool"] = "native"
    anthropic_beta: AnthropicBetaConfig = Field(default_factory=AnthropicBetaConfig)
    pricing: PricingConfig | None = None
    # provider: local (the embedded llama.cpp model)
    model_path: str | None = None  # a GGUF file; unset: the bundled SmolLM2-135M-Instruct
    n_ctx: int = Field(2048, gt=0)
    n_threads: int | None = Field(None, gt=0)
    chat_format: str | None = None
    max_queue: int = Field(8, ge=0)  # requests waiting for the model beyond the one it is generating
    # routing within a pool (dragoman.routing)
    weight: float = Field(1.0, gt=0)  # share of the pool's traffic
    rpm: int | None = Field(None, gt=0)  # this member's own capacity: requests per minute
    tpm: int | None = Field(None, gt=0)  # tokens per minute
    max_parallel: int | None = Field(None, gt=0)  # requests in flight at once
    priority: int = 0  # lower is preferred: a tier is used only when every more preferred one is unavailable
    aliases: list[str] = Field(default_factory=list)  # more names for this pool
    connect_timeout: float = Field(DEFAULT_CONNECT_TIMEOUT_SECONDS, gt=0)
    first_token_timeout: float | None = Field(None, gt=0)  # until the answer (or first stream event); None: timeout
    idle_timeout: float | None = Field(None, gt=0)  # between stream chunks; None: timeout
    # Pool-wide settings: every entry of a pool gives the same value or leaves it unset.
    fallbacks: list[str] | None = None  # other model names tried after this pool is exhausted
    strategy: StrategyName | None = None  # None: routing.strategy

    @field_validator("name")
    @classmethod
    def _wildcard_only_at_the_end(cls, value: str) -> str:
        if "*" in value and (not value.endswith(WILDCARD_SUFFIX) or value.count("*") > 1 or value == "/*"):
            raise ValueError(f"a wildcard name is a prefix followed by {WILDCARD_SUFFIX!r}, like 'anthropic/*'")
        return value

    @field_validator("aliases")
    @classmethod
    def _plain_aliases(cls, value: list[str]) -> list[str]:
        for alias in value:
            if not alias or "*" in alias:
                raise ValueError(f"{alias!r} is not a usable alias (non-empty, no wildcard)")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.data.get("provider", "local") != "local":
            raise ValueError(f"Field required for provider {info.data['provider']!r}")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


    @model_validator(mode="after")
    def _wildcard_takes_the_model_from_the_request(self) -> DeploymentConfig:
        if self.is_wildcard and self.model is not None:
            raise ValueError(f"model cannot be set on the wildcard route {self.name!r}: the rest of the requested "
                             "name is the upstream model")
        if self.is_wildcard and self.aliases:
            raise ValueError(f"aliases cannot be set on the wildcard route {self.name!r}")
        return self

    @property
    def upstream_model(self) -> str:
        return self.model or self.name

    @property
    def is_wildcard(self) -> bool:
        return self.name.endswith(WILDCARD_SUFFIX)

    @property
    def first_token_seconds(self) -> float:
        return self.first_token_timeout if self.first_token_timeout is not None else self.timeout

    @property
    def idle_seconds(self) -> float:
        return self.idle_timeout if self.idle_timeout is not None else self.timeout

    @property
    def dialect(self) -> DialectName:
        return DIALECT_BY_PROVIDER[self.provider]


class ServerConfig(_Strict):
    keepalive_interval: float = Field(DEFAULT_KEEPALIVE_SECONDS, gt=0)
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, gt=0)


class AuthConfig(_Strict):
    """With a master key every ``/v1/*`` request needs a valid key. ``DRAGOMAN_MASTER_KEY`` works too."""

    master_key: str | None = Field(None, min_length=8)
    # How long a replica trusts a key it has looked up before reading it again (limit changes take this
    # long to reach other replicas; revocations reach every replica sharing Redis at once).
    key_cache_seconds: float = Field(2.0, ge=0)


class RedisConfig(_Strict):
    url: str
    on_failure: Literal["open", "closed"] = "open"  # Redis unreachable: allow (logged) or refuse with 503
    prefix: str = Field("dragoman", min_length=1)  # namespace of every key dragoman writes

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value


class RoutingConfig(_Strict):
    """How pools choose, retry and rest their members (dragoman.routing)."""

    strategy: StrategyName = "least-busy"
    retries: int = Field(2, ge=0)  # re-sends of a request within one pool after a retryable failure
    retry_deadline: float = Field(60.0, gt=0)  # seconds from the first attempt; no new attempt starts after it
    backoff_base: float = Field(0.25, ge=0)  # seconds; doubled per repeat, with full jitter
    backoff_max: float = Field(8.0, ge=0)
    cooldown_after_failures: int = Field(3, ge=1)  # consecutive failures that take a member out
    cooldown_seconds: float = Field(30.0, gt=0)
    affinity_ttl_seconds: float = Field(86400.0, gt=0)  # how long a member is remembered for what it produced
    affinity_max_entries: int = Field(100_000, gt=0)  # in memory (without Redis)
    shutdown_grace_seconds: float = Field(30.0, ge=0)


class UsageConfig(_Strict):
    flush_interval: float = Field(1.0, gt=0)  # seconds between batched writes of usage records
    batch_size: int = Field(500, gt=0)


class Config(_Strict):
    models: list[DeploymentConfig] = Field(default_factory=list)
    default_model: str | None = None
    server: ServerConfig = Field(default_factory=ServerConfig)
    auth: AuthConfig | None = None
    storage: str = DEFAULT_STORAGE  # a SQLite file path, sqlite:///path, or postgresql://…
    redis: RedisConfig | None = None
    usage: UsageConfig = Field(default_factory=UsageConfig)
    # Local model servers (dragoman.discovery): true probes Ollama, llama.cpp, vLLM and LM Studio on their usual
    # ports; discover_urls are probed unless discover is false. Unset: off, except with no config at all.
    discover: bool | None = None
    discover_urls: list[Annotated[str, Field(pattern=r"^https?://[^/]+")]] = Field(default_factory=list)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)

    @field_validator("storage")
    @classmethod
    def _usable_storage(cls, value: str) -> str:
        from dragoman.store.database import async_url  # the store's own reading of the setting

        async_url(value)  # a StorageUrlError (a ValueError) names what is wrong
        return value

    @field_validator("redis", mode="before")
    @classmethod
    def _redis_shorthand(cls, value: Any) -> Any:
        return {"url": value} if isinstance(value, str) else value

    @property
    def master_key(self) -> str | None:
        return (self.auth.master_key if self.auth else None) or os.environ.get(MASTER_KEY_VARIABLE) or None

    @model_validator(mode="after")
    def _pools_are_consistent(self) -> Config:
        _check_pools(self.models)
        return self

    @model_validator(mode="after")
    def _default_model_is_configured(self) -> Config:
        names = {deployment.name for deployment in self.models} | _aliases(self.models)
        if self.default_model is not None and self.default_model not in names:
            raise ValueError(
                f"default_model {self.default_model!r} is not one of the configured model names "
                f"({', '.join(sorted(names)) or 'none'})"
            )
        return self


def _aliases(models: list[DeploymentConfig]) -> set[str]:
    return {alias for deployment in models for alias in deployment.aliases}


def _routable(name: str, names: set[str], aliases: set[str]) -> bool:
    if name in names or name in aliases:
        return True
    return any(pool.endswith(WILDCARD_SUFFIX) and name.startswith(pool[:-1]) and len(name) > len(pool) - 1
               for pool in names)


def _check_pools(models: list[DeploymentConfig]) -> None:
    """Pool-wide settings agree, ids and aliases are unambiguous, fallbacks name models that exist."""
    names = {deployment.name for deployment in models}
    aliases = _aliases(models)
    id_owner: dict[str, int] = {}
    alias_owner: dict[str, str] = {}
    pool_setting: dict[tuple[str, str], object] = {}
    for index, deployment in enumerate(models):
        where = f"models[{index}]"
        if deployment.id is not None and (owner := id_owner.setdefault(deployment.id, index)) != index:
            raise ValueError(f"{where}.id: {deployment.id!r} is already the id of models[{owner}]")
        for alias in deployment.aliases:
            if alias in names:
                raise ValueError(f"{where}.aliases: {alias!r} is already the name of a model")
            if (pool := alias_owner.setdefault(alias, deployment.name)) != deployment.name:
                raise ValueError(f"{where}.aliases: {alias!r} is already an alias of {pool!r}")
        for field in ("fallbacks", "strategy"):
            value = getattr(deployment, field)
            if value is None:
                continue
            settled = pool_setting.setdefault((deployment.name, field), value)
            if settled != value:
                raise ValueError(f"{where}.{field}: {value!r} differs from {settled!r} set by another entry of the "
                                 f"pool {deployment.name!r} (all entries of a pool agree, or leave it unset)")
        for fallback in deployment.fallbacks or []:
            if fallback == deployment.name or fallback in deployment.aliases:
                raise ValueError(f"{where}.fallbacks: {fallback!r} is the pool {deployment.name!r} itself")
            if not _routable(fallback, names, aliases):
                raise ValueError(f"{where}.fallbacks: {fallback!r} is not a configured model name or alias "
                                 f"({', '.join(sorted(names | aliases))})")


def _interpolate(node: Any, path: str) -> Any:
    if isinstance(node, str):
        def replace(match: re.Match[str]) -> str:
            variable, default = match.group(1), match.group(2)
            value = os.environ.get(variable)
            if value is None or (value == "" and default is not None):
                if default is None:
                    hint = f"${{{variable}:-default}}"
                    raise ConfigError(f"{path}: environment variable {variable} is not set (or use {hint})")
                return default
            return value

        return _ENV_PATTERN.sub(replace, node)
    if isinstance(node, list):
        return [_interpolate(item, f"{path}[{index}]") for index, item in enumerate(node)]
    if isinstance(node, dict):
        return {key: _interpolate(value, f"{path}.{key}" if path else str(key)) for key, value in node.items()}
    return node


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "<config>"


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML: {error}") from error
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping (models:, default_model:, server:)")
    try:
        return Config.model_validate(_interpolate(raw, ""))
    except ValidationError as error:
        problems = [f"{_field_path(item['loc'])}: {item['msg']}" for item in error.errors()]
        raise ConfigError(f"{source}: invalid config:\n  " + "\n  ".join(problems)) from error


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load ``path``; ``None`` means no config at all (the server starts with no models)."""
    if path is None:
        return Config()
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as error:
        raise ConfigError(f"{file}: cannot read config: {error.strerror or error}") from error
    return parse_config(text, str(file))
