"""A scripted upstream with a real ``dragoman serve`` in front of it, for one real-CLI test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.clients.scripted import ScriptedUpstream, ToolRoundTrip
from tests.gateway import Gateway, model_entry
from tests.upstream import Dialect


@contextmanager
def serving(script: ToolRoundTrip, workdir: Path, dialect: Dialect, *, name: str, upstream_model: str,
            **options: Any) -> Iterator[tuple[ScriptedUpstream, Gateway]]:
    """A scripted upstream of ``dialect`` and a gateway whose one deployment, ``name``, points at it with
    ``options``; the test fails if the gateway logged an unhandled exception."""
    upstream = ScriptedUpstream(script)
    upstream.start()
    deployment = model_entry(dialect, upstream_model, upstream.url, name=name, **options)
    gateway = Gateway(workdir, {"models": [deployment]}, name="clients-gateway")
    try:
        gateway.start()
        yield upstream, gateway
    finally:
        gateway.stop()
        upstream.stop()
    output = gateway.output()
    if "Traceback (most recent call last)" in output:
        pytest.fail(f"the gateway logged an unhandled exception:\n{output[-5000:]}")
