"""Running the triggers on a happening (to be built: issue 19, helper "engine")."""

from __future__ import annotations

from destek.automation.happenings import Happening


def run(happening: Happening) -> None:
    """Run the active triggers subscribed to `happening.event`, in order."""
