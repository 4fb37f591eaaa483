"""Facts hosting publishes on the bus (destek.core.bus); subscribers are wired in
destek.wiring (hosting sits below the apps that react, so it names none of them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TierChange:
    """One account's tier moved: an organization's, or a person's without one."""

    organization_id: int | None
    customer_id: int | None
    old: str
    new: str


@dataclass(frozen=True)
class CustomerTiersChanged:
    """Published by `services.refresh_values`, in its transaction, once per call and only
    when some account's tier really changed (a first value that is not standard counts)."""

    changes: tuple[TierChange, ...]
