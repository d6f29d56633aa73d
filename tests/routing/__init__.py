"""Routing and resilience: config, retry policy, cooldowns (memory and real Redis), strategies, the router,
account affinity, and attempts against the real fault-injecting upstream of tests/faults."""
