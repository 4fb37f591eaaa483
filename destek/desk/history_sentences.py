"""The history's sentences for messages that moved and tickets that were linked: "Messages
#12, #13 moved to T-100042", with the other ticket as a link. Built from what the services
stored in an event's before/after (tickets.models.EventKind)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from destek.tickets.models import EventKind, parse_reference


def _texts() -> dict[str, str]:
    return {
        EventKind.MERGED_OUT: gettext("Merged into %(ref)s: messages %(numbers)s moved there."),
        EventKind.MERGED_IN: gettext("%(ref)s was merged into this ticket: messages "
                                     "%(numbers)s moved here."),
        EventKind.SPLIT_OUT: gettext("Messages %(numbers)s moved to the new ticket %(ref)s."),
        EventKind.SPLIT_IN: gettext("Split from %(ref)s: messages %(numbers)s moved here."),
        EventKind.LINKED: gettext("Linked to %(ref)s."),
        EventKind.UNLINKED: gettext("Link to %(ref)s removed."),
    }


# Which of before/after holds the other ticket's reference (the other one: the numbers).
_REFERENCE_IN_AFTER = {EventKind.MERGED_OUT, EventKind.SPLIT_OUT, EventKind.LINKED,
                       EventKind.UNLINKED}


class Sentences:
    """One per page: the translated patterns looked up once."""

    def __init__(self, ticket_url: Callable[[int], str]) -> None:
        self.texts = _texts()
        self.ticket_url = ticket_url

    def _link(self, reference: str) -> SafeString | str:
        pk = parse_reference(reference)
        return format_html('<a href="{}">{}</a>', self.ticket_url(pk), reference) if pk \
            else escape(reference)

    def __call__(self, kind: str, before: str, after: str) -> SafeString | None:
        text = self.texts.get(kind)
        if text is None:
            return None
        reference, numbers = (after, before) if kind in _REFERENCE_IN_AFTER else (before, after)
        sentence = escape(text) % {"ref": self._link(reference), "numbers": escape(numbers)}
        if kind == EventKind.LINKED and before:  # the link's note
            sentence += format_html(" <span class=\"text-body-secondary\">{}</span>", before)
        return mark_safe(sentence)  # every piece above is escaped
