"""Run the fake upstream by hand: ``python -m tests.upstream`` prints its URL and serves until Ctrl-C."""

from __future__ import annotations

import threading

from tests.upstream.server import UPSTREAM_KEY, FakeUpstream


def main() -> None:
    upstream = FakeUpstream()
    upstream.start()
    print(f"fake upstream on {upstream.url} (OpenAI base_url {upstream.url}/v1, Anthropic base_url "
          f"{upstream.url}); api_key {UPSTREAM_KEY}; the request's model picks the scenario", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        upstream.stop()


if __name__ == "__main__":
    main()
