"""The calendar period a spend budget counts over: a UTC day or a UTC calendar month (the default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dragoman.access.keys import BudgetPeriod


@dataclass(slots=True, frozen=True)
class Period:
    kind: BudgetPeriod
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """Names the period unambiguously, e.g. ``day:2026-11-23`` or ``month:2026-11``."""
        return f"day:{self.start:%Y-%m-%d}" if self.kind == "day" else f"month:{self.start:%Y-%m}"

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.end.timestamp() - now)


def budget_period(kind: BudgetPeriod | None, now: float) -> Period:
    """The period containing the Unix time ``now``; no ``kind`` means a calendar month."""
    moment = datetime.fromtimestamp(now, UTC)
    if kind == "day":
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return Period("day", day, day + timedelta(days=1))
    month = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(
        month=month.month + 1
    )
    return Period("month", month, following)
