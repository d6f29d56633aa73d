"""Without a master key dragoman is open, and so it binds only to loopback unless told otherwise."""

from __future__ import annotations

import httpx2

from tests.gateway import Gateway, clean_env, free_port, run_cli
from tests.upstream import FakeUpstream


def test_open_mode_refuses_a_public_address(tmp_path) -> None:
    result = run_cli("serve", "--host", "0.0.0.0", "--port", str(free_port()), cwd=tmp_path,
                     env=clean_env(), timeout=30)
    assert result.returncode == 2
    assert "--allow-open" in result.stderr and "master_key" in result.stderr


def test_open_mode_serves_anyone_on_loopback(upstream: FakeUpstream, tmp_path) -> None:
    from tests.access_e2e.conftest import access_config

    config = access_config(upstream.url, str(tmp_path / "open.db"))
    del config["auth"]
    gateway = Gateway(tmp_path, config, name="open")
    gateway.start()
    try:
        body = {"model": "chat/text", "messages": [{"role": "user", "content": "hi"}]}
        assert httpx2.post(f"{gateway.url}/v1/chat/completions", json=body, timeout=20).status_code == 200
        with_any_key = httpx2.post(f"{gateway.url}/v1/chat/completions", json=body, timeout=20,
                                   headers={"authorization": "Bearer anything"})
        assert with_any_key.status_code == 200
    finally:
        gateway.stop()
