"""Real agent CLIs (Claude Code, Codex) through a running dragoman to scripted upstreams of another dialect,
and fast replays of the requests those CLIs were captured sending, against cross-dialect upstreams.

``npm.py`` installs the pinned CLIs into a cache outside the repo; ``chat_answers.py`` and
``anthropic_answers.py`` build provider answers from the recordings; ``scripted.py`` is the upstream that
answers turn by turn; ``runs.py`` starts the CLIs; ``upstream_view.py`` reads what an upstream received.
"""
