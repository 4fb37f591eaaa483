"""A draft article from a ticket's conversation: the question and the answers that solved it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import override

from destek.accounts.models import User
from destek.kb.models import Article, Audience
from destek.kb.services.articles import ArticleInput, article_create
from destek.tickets.models import AuthorKind, Ticket

MAX_MESSAGES = 20


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())


def article_create_from_ticket(*, actor: User, ticket: Ticket) -> Article:
    """Call with a ticket obtained through access_ticket_by_id. Internal notes are left out:
    the draft may become a public article. Starts internal, so nothing leaks before editing."""
    language = ticket.customer.language if ticket.customer_id else "en"
    language = language if language in ("en", "tr") else "en"
    messages = list(ticket.messages.filter(is_internal=False).order_by("created_at", "id")
                    .values_list("author_kind", "body_text")[:MAX_MESSAGES])
    with override(language):
        question_label, answer_label = _("Question"), _("Answer")
        lines: list[str] = []
        for kind, text in messages:
            label = question_label if kind == AuthorKind.CUSTOMER else answer_label
            lines += [f"## {label}", "", _quote(text or ""), ""]
        note = _("Draft from ticket %(reference)s") % {"reference": ticket.reference}
    data = ArticleInput(title=ticket.subject or note, body_markdown="\n".join(lines).strip(),
                        language=language, audience=Audience.INTERNAL)
    return article_create(actor=actor, data=data, note=note)
