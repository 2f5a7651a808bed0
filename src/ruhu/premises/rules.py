"""Domain rules about households that several writers share (services, the bulk import)."""

from __future__ import annotations

from ruhu.premises.models import SupplyStatus


def is_key_customer(
    *, vulnerable: bool, group_rental: bool, long_term_absent: bool, supply_status: str
) -> bool:
    """RULES B8: vulnerable groups, group rentals, long-term absent households and customers
    who do not rectify (whose supply has been limited, stopped or sealed) are key customers."""
    return vulnerable or group_rental or long_term_absent or supply_status != SupplyStatus.NORMAL
