"""A fault-injecting upstream for routing and resilience tests: real HTTP on 127.0.0.1 that answers normally
in the three dialects, or fails in a chosen way (status codes with Retry-After, hangs, resets, garbage,
truncation, slow streams), recording every request and when its client went away. See ``behaviours.py``."""

from tests.faults.server import FaultUpstream, Seen, closed_port_url

__all__ = ["FaultUpstream", "Seen", "closed_port_url"]
