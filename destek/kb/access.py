"""The only way server code obtains articles on behalf of someone.

Every door — portal pages, search, live suggestions, the API, the sitemap, attachments — goes
through `articles_visible_to` or `access_article`, so an internal or customer-only article can
never reach the wrong audience by one door that forgot a filter. An article someone may not
see is NotFound, exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.accounts.scope import is_department_limited
from destek.core.errors import NotFound
from destek.kb.models import Article, ArticleAttachment, ArticleStatus, Audience

Actor = User | AnonymousUser | None


def _user(actor: Actor) -> User | None:
    if isinstance(actor, User) and actor.is_authenticated and actor.is_active:
        return actor
    return None


def is_agent(actor: Actor) -> bool:
    user = _user(actor)
    return user is not None and user.is_agent


def can_edit(actor: Actor) -> bool:
    user = _user(actor)
    return user is not None and user.is_agent


def can_publish(actor: Actor) -> bool:
    """Outsourced agents write drafts and submit them; someone in-house publishes."""
    user = _user(actor)
    return user is not None and user.is_agent and not is_department_limited(user)


def audiences_for(actor: Actor) -> list[str]:
    user = _user(actor)
    if user is None:
        return [Audience.PUBLIC]
    if user.is_agent:
        return [Audience.PUBLIC, Audience.CUSTOMERS, Audience.INTERNAL]
    return [Audience.PUBLIC, Audience.CUSTOMERS]


def live_q() -> Q:
    """Published, and its publishing time (if any) has come."""
    now = timezone.now()
    return Q(status=ArticleStatus.PUBLISHED) & (Q(publish_at__isnull=True) | Q(publish_at__lte=now))


def visibility_q(actor: Actor, *, include_unpublished: bool = False) -> Q:
    """Who may read what, over the fields `audience`, `status` and `publish_at` (an Article's,
    or the copies in its search index). Drafts, articles in review and scheduled ones only for
    agents who ask for them (`include_unpublished`); customers and visitors never see them."""
    scope = Q(audience__in=audiences_for(actor))
    if include_unpublished and can_edit(actor):
        return scope
    return scope & live_q()


def articles_visible_to(actor: Actor, *, include_unpublished: bool = False) -> QuerySet[Article]:
    """Articles `actor` may read."""
    return Article.objects.filter(visibility_q(actor, include_unpublished=include_unpublished))


def _not_found() -> NotFound:
    return NotFound(_("Article not found."))


def access_article(*, actor: Actor, article_id: int | str | None = None,
                   language: str | None = None, slug: str | None = None,
                   include_unpublished: bool = False) -> Article:
    """One article by id, or by (language, slug); NotFound when `actor` may not read it."""
    qs = articles_visible_to(actor, include_unpublished=include_unpublished).select_related(
        "category")
    if article_id is not None:
        try:
            qs = qs.filter(pk=int(article_id))
        except (TypeError, ValueError):
            raise _not_found() from None
    elif language and slug:
        qs = qs.filter(language=language, slug=slug)
    else:
        raise _not_found()
    article = qs.first()
    if article is None:
        raise _not_found()
    return article


def access_attachment(*, actor: Actor, attachment_id: int | str) -> ArticleAttachment:
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    visible = articles_visible_to(actor, include_unpublished=True).values("pk")
    attachment = ArticleAttachment.objects.filter(pk=pk, article__in=visible).first()
    if attachment is None:
        raise _not_found()
    return attachment
