"""Network addresses: which ones stay on this machine."""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback_address"]


def is_loopback_address(address: str) -> bool:
    """127.0.0.0/8 or ::1 (brackets allowed), also as an IPv4-mapped IPv6 address (what a
    socket bound to `::` sees an IPv4 client arrive on); False for names and anything else."""
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped.is_loopback
    return parsed.is_loopback
