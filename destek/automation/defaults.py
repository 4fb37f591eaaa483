"""The triggers Destek ships (created by a data migration, editable, never re-created once
an admin deleted one: migrations/0002_urgent_keywords_trigger.py holds the shipped words and
actions). Their names and descriptions are shown translated while the admin
has not renamed them; the words match in both languages whatever the admin's language."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from destek.automation.models import Trigger

URGENT_KEYWORDS = "urgent_keywords"

SHIPPED = {
    URGENT_KEYWORDS: (
        N_("Urgent keywords → critical"),
        N_("A new ticket or a customer's reply saying the site, email or DNS is down, or "
           "that they were hacked, becomes critical (the 1-hour first response)."),
    ),
}


def display_name(trigger: Trigger) -> str:
    """A shipped trigger's name in the reader's language while it is the shipped one."""
    shipped = SHIPPED.get(trigger.default_key)
    if shipped is not None and trigger.name == shipped[0]:
        return gettext(shipped[0])
    return trigger.name


def display_description(trigger: Trigger) -> str:
    shipped = SHIPPED.get(trigger.default_key)
    if shipped is not None and trigger.description == shipped[1]:
        return gettext(shipped[1])
    return trigger.description
