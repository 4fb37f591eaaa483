"""Two-factor authentication for staff, when the installation requires it
(DESTEK_REQUIRE_STAFF_MFA): the one rule every door asks (web pages, the API with a session
or a token, the desk's and the chat console's sockets)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings


def must_enrol_mfa(user: Any) -> bool:
    """A signed-in staff member who has no second factor while staff must have one."""
    return bool(settings.DESTEK_REQUIRE_STAFF_MFA and user is not None
                and user.is_authenticated and getattr(user, "is_agent", False)
                and not is_mfa_enabled(user))
