"""Creating and changing API keys, shared by the admin API and the ``dragoman keys`` command: one
validation of the settings (with errors naming the field), the budget rules, and finding a key by id or
a unique prefix.

Settings: ``name``, ``models`` (a list, or null for every model), ``rpm``, ``tpm``, ``max_parallel``
(positive integers, null for unlimited), ``budget_usd`` (positive, null for none) with ``budget_period``
(``day`` or ``month``; ``month`` when a budget is set without one), and ``expires_at`` (an ISO 8601 date —
the key expires at 00:00 UTC that day — or date-time; without an offset it is UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dragoman.access.keys import ApiKey, display_prefix, hash_secret, new_key_id, new_secret
from dragoman.canonical.errors import InvalidRequest, NotFound
from dragoman.store.base import NewKey, Store

DEFAULT_BUDGET_PERIOD: Literal["month"] = "month"
MAX_NAME_LENGTH = 200


def parse_moment(value: str) -> datetime:
    """An ISO 8601 date (midnight UTC) or date-time (UTC when it has no offset), as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO 8601 date or date-time (e.g. 2030-12-31 or 2030-12-31T18:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _KeyFields(BaseModel):
    # strict: "5" is not a number and true is not 1
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str | None = Field(None, min_length=1, max_length=MAX_NAME_LENGTH)
    models: list[Annotated[str, Field(min_length=1)]] | None = Field(None, min_length=1)
    rpm: int | None = Field(None, gt=0)
    tpm: int | None = Field(None, gt=0)
    max_parallel: int | None = Field(None, gt=0)
    budget_usd: float | None = Field(None, gt=0, allow_inf_nan=False)
    budget_period: Literal["day", "month"] | None = None
    expires_at: datetime | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("expires_at", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_moment(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


FIELD_NAMES: tuple[str, ...] = tuple(_KeyFields.model_fields)


def _validated(body: Mapping[str, Any]) -> _KeyFields:
    try:
        return _KeyFields.model_validate(dict(body))
    except ValidationError as error:
        raise _invalid(error) from None


def _invalid(error: ValidationError) -> InvalidRequest:
    problem = error.errors(include_url=False)[0]
    param = "".join(f"[{part}]" if isinstance(part, int) else (f".{part}" if index else str(part))
                    for index, part in enumerate(problem["loc"]))
    if problem["type"] == "extra_forbidden":
        message = f"Unknown field {param!r}; the fields are: {', '.join(FIELD_NAMES)}"
    elif problem["type"] == "value_error":
        message = f"Invalid {param}: {problem['ctx']['error']}"
    else:
        message = f"Invalid {param}: {problem['msg']}"
    return InvalidRequest(message, param=param or None, code="invalid_key_settings")


def _models(fields: _KeyFields) -> tuple[str, ...] | None:
    return tuple(dict.fromkeys(fields.models)) if fields.models is not None else None


def settings_for_create(body: Mapping[str, Any], *, now: datetime | None = None) -> NewKey:
    """The new key's settings from ``body`` (field names as in the module docstring); ``InvalidRequest``
    naming the field when one is wrong."""
    fields = _validated(body)
    if fields.name is None:
        raise InvalidRequest("Missing required field 'name'", param="name", code="invalid_key_settings")
    if fields.budget_period is not None and fields.budget_usd is None:
        raise InvalidRequest("budget_period needs budget_usd", param="budget_period", code="invalid_key_settings")
    if fields.expires_at is not None and fields.expires_at <= (now or datetime.now(UTC)):
        raise InvalidRequest(f"expires_at {fields.expires_at.isoformat()} is in the past",
                             param="expires_at", code="invalid_key_settings")
    return NewKey(
        name=fields.name,
        models=_models(fields),
        rpm=fields.rpm,
        tpm=fields.tpm,
        max_parallel=fields.max_parallel,
        budget_usd=fields.budget_usd,
        budget_period=fields.budget_period or (DEFAULT_BUDGET_PERIOD if fields.budget_usd is not None else None),
        expires_at=fields.expires_at,
    )


def changes_for_update(body: Mapping[str, Any], current: ApiKey) -> dict[str, object]:
    """The changes ``body`` asks of ``current`` (absent fields stay, null clears a limit), as
    ``Store.update_key`` takes them. Clearing the budget clears its period too."""
    fields = _validated(body)
    given = fields.model_fields_set
    if "name" in given and fields.name is None:
        raise InvalidRequest("name cannot be null", param="name", code="invalid_key_settings")
    changes: dict[str, object] = {name: getattr(fields, name) for name in given}
    if "models" in given:
        changes["models"] = _models(fields)
    budget = changes["budget_usd"] if "budget_usd" in given else current.limits.budget_usd
    period = changes["budget_period"] if "budget_period" in given else current.limits.budget_period
    if budget is None and period is not None:
        if "budget_period" in given:
            raise InvalidRequest("budget_period needs budget_usd (the key has no budget)",
                                 param="budget_period", code="invalid_key_settings")
        changes["budget_period"] = None
    if budget is not None and period is None:
        changes["budget_period"] = DEFAULT_BUDGET_PERIOD
    return changes


async def create_key(store: Store, new: NewKey) -> tuple[ApiKey, str]:
    """Store a key for ``new``; returns it with its secret, which exists nowhere else from now on."""
    secret = new_secret()
    key = await store.create_key(new, key_id=new_key_id(), secret_hash=hash_secret(secret),
                                 prefix=display_prefix(secret))
    return key, secret


async def resolve_key(store: Store, reference: str) -> ApiKey:
    """The one key whose id is ``reference``, or whose id or display prefix (``dk-…``) starts with it."""
    reference = reference.strip()
    if not reference:
        raise InvalidRequest("A key id or prefix is required", param="key", code="invalid_key_reference")
    exact = await store.get_key(reference)
    if exact is not None:
        return exact
    matches = [key for key in await store.list_keys(include_revoked=True)
               if key.id.startswith(reference) or key.prefix.startswith(reference)]
    if not matches:
        raise NotFound(f"No API key has the id or prefix {reference!r}", param="key", code="key_not_found")
    if len(matches) > 1:
        listed = ", ".join(f"{key.id} ({key.prefix}…)" for key in matches)
        raise InvalidRequest(f"{reference!r} matches several keys: {listed}; give more of it",
                             param="key", code="ambiguous_key_reference")
    return matches[0]
