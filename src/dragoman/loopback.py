"""Whether an address is this machine's own: where an unauthenticated dragoman may listen, and who may use
the admin API of one."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8, ``::1``, and IPv4 loopback written as IPv6 (``::ffff:127.0.0.1``)."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
