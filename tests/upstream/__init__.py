"""A fake upstream provider that replays the recordings in ../shared/fixtures (see ``scenarios.py``)."""

from tests.upstream.answers import DIALECTS, Answer, Body, Dialect, Hang, Stream
from tests.upstream.scenarios import MID_STREAM_PAUSE_SECONDS, SCENARIOS, SLOW_FIRST_BYTE_SECONDS, answer_for
from tests.upstream.server import UPSTREAM_KEY, FakeUpstream, ReceivedRequest

__all__ = [
    "DIALECTS",
    "MID_STREAM_PAUSE_SECONDS",
    "SCENARIOS",
    "SLOW_FIRST_BYTE_SECONDS",
    "UPSTREAM_KEY",
    "Answer",
    "Body",
    "Dialect",
    "FakeUpstream",
    "Hang",
    "ReceivedRequest",
    "Stream",
    "answer_for",
]
