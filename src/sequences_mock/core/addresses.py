"""Network addresses: which ones stay on this machine."""

from __future__ import annotations

import ipaddress

__all__ = ["is_loopback_address"]


def is_loopback_address(address: str) -> bool:
    """127.0.0.0/8 or ::1 (brackets allowed); False for names and anything else."""
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False
