"""Real agent CLIs (Claude Code, Codex) through a running dragoman to scripted upstreams of another dialect,
and fast replays of the requests those CLIs were captured sending, against cross-dialect upstreams.

Run: ``.venv/bin/pytest -q tests/clients`` (everything), ``-m 'not slow'`` (replays and harness checks only,
no CLI installed). The first slow run installs the pinned CLIs from the npm registry into
``$DRAGOMAN_E2E_CACHE``, else ``$XDG_CACHE_HOME/dragoman-e2e``, else ``~/.cache/dragoman-e2e``; later runs
reuse them. Without node/npm the CLI tests skip, or fail when ``CI`` is set.

- ``npm.py``: the pinned CLIs, installed once, cached outside the repo.
- ``chat_answers.py``, ``anthropic_answers.py``, ``responses_answers.py``: provider answers with chosen
  content, built from the recordings in ../shared/fixtures.
- ``provider_rules.py``: what the real providers refuse (official request schemas plus pairing and thinking
  rules), so a scripted upstream refuses it too.
- ``scripted.py``: the upstream that answers one tool round trip turn by turn; ``serving.py`` puts a real
  ``dragoman serve`` in front of it; ``runs.py`` starts the CLIs as the captures were taken;
  ``report.py`` says who sent what when a run fails.
- ``captures.py``, ``upstream_view.py``, ``faithful.py``, ``streamed.py``: the captured requests, a neutral
  reading of any dialect's request body, the checks that a translation kept what the client said, and the
  reading of SSE answers, for the replays in ``test_replay.py``.
"""
