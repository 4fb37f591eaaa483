"""Facts about people that other apps may hear (wired in destek.wiring)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffChanged:
    """A department, its members or a staff member's role changed (the desk reloads the
    departments and colleagues it offers)."""
