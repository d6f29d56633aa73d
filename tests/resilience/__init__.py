"""Resilience end to end: real ``dragoman serve`` processes in front of the fault-injecting upstream
(``tests/faults``), driven through the official SDKs and raw HTTP. Failover to a healthy member, errors in
the client's dialect when none is left, no retry once a stream has started, cooldowns and probes, tiers,
fallbacks, aliases and wildcard routes, cancellation reaching the upstream, SIGTERM draining a live stream,
and the ``x-dragoman-deployment`` / ``x-dragoman-overhead-ms`` headers."""
