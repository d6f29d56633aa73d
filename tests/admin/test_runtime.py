"""open_runtime: the limiter the config asks for, and close() writing the usage records still queued."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dragoman.access.memory_limiter import MemoryLimiter
from dragoman.access.resilient_limiter import ResilientLimiter
from dragoman.access.runtime import open_runtime
from dragoman.access.usage import UsageQuery, UsageRecord
from tests.admin.conftest import make_config, opened
from tests.services import redis_prefix, redis_url


def usage_record(number: int) -> UsageRecord:
    return UsageRecord(id=f"req_{number}", created_at=datetime.now(UTC), key_id=None, model="fast",
                       deployment="fast", client_dialect="openai_chat", upstream_dialect="openai_chat",
                       stream=False, status=200, input_tokens=3, output_tokens=4)


async def test_memory_limiter_without_redis_and_the_master_key_from_config(tmp_path: Path) -> None:
    async with opened(make_config(str(tmp_path / "a.db"))) as runtime:
        assert isinstance(runtime.limiter, MemoryLimiter)
        assert not runtime.access.open and runtime.access.is_master(runtime.config.master_key)
    async with opened(make_config(str(tmp_path / "b.db"), master_key=None)) as runtime:
        assert runtime.access.open


async def test_redis_limiter_behind_the_failure_policy(tmp_path: Path) -> None:
    config = make_config(str(tmp_path / "a.db"), redis={"url": redis_url(), "prefix": redis_prefix()})
    async with opened(config) as runtime:
        assert isinstance(runtime.limiter, ResilientLimiter)


async def test_close_writes_the_queued_usage_records(tmp_path: Path) -> None:
    # A long interval: only close() can have written these.
    config = make_config(str(tmp_path / "a.db"), usage={"flush_interval": 3600, "batch_size": 100})
    runtime = await open_runtime(config, start_writer=True)
    for number in range(3):
        runtime.writer.record(usage_record(number))
    await runtime.close()
    async with opened(config) as reopened:
        assert sorted(record.id for record in await reopened.store.query_usage(UsageQuery())) == [
            "req_0", "req_1", "req_2"]
