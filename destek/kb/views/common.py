"""What the knowledge-base views share."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import get_language

from destek.accounts.models import User
from destek.core.errors import NotFound
from destek.kb.access import access_article
from destek.kb.models import Article


def request_actor(request: HttpRequest) -> User | None:
    """The signed-in user, or None for a visitor."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def ui_language() -> str:
    return "tr" if (get_language() or "en").startswith("tr") else "en"


def article_or_404(request: HttpRequest, **lookup: object) -> Article:
    try:
        return access_article(actor=request_actor(request), **lookup)  # type: ignore[arg-type]
    except NotFound:
        raise Http404("Article not found.") from None
