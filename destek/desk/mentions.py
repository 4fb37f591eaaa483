"""@mentions in internal notes, shown highlighted (the stored mentions: tickets.models.Mention).

The note's HTML was sanitized when stored; the mention is plain text in it (escaped, and an
address has nothing to escape), so wrapping it in a <mark> keeps the HTML safe."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from destek.tickets.models import Message
from destek.tickets.selectors import note_mentions


def highlight_mentions(body_html: str, addresses: Iterable[str]) -> str:
    wanted = sorted(set(addresses), key=len, reverse=True)
    if not wanted:
        return body_html
    pattern = re.compile(
        r"(?<![\w.@+-])@(" + "|".join(re.escape(a) for a in wanted) + r")(?![\w-])",
        re.IGNORECASE)
    return pattern.sub(r'<mark class="mention" data-testid="mention">@\1</mark>', body_html)


def tell_author_who_was_not_notified(request: HttpRequest, note: Message) -> None:
    """After a note is posted: the agents it @mentions who may not see the ticket (one query,
    only when the note has an "@")."""
    if "@" not in note.body_text:
        return
    names = [n.name for n in note_mentions(messages=[note]).get(note.pk, ()) if not n.notified]
    if names:
        messages.warning(request, _("Not notified, as they cannot see this ticket: "
                                    "%(names)s") % {"names": ", ".join(names)})
