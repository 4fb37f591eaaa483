"""Test factories for the suggestions board: ideas go through the service, as customers post
them."""

from __future__ import annotations

from destek.accounts.models import User
from destek.ideas.models import Idea, IdeaCategory, Visibility
from destek.ideas.services import idea_create


def category(*, name: str = "Control panel", visibility: str = Visibility.PUBLIC,
             position: int = 0) -> IdeaCategory:
    return IdeaCategory.objects.create(name=name, name_tr=f"{name} (tr)", visibility=visibility,
                                       position=position)


def idea(*, author: User, cat: IdeaCategory, title: str = "Let's Encrypt wildcard certificates",
         description: str = "Please issue wildcard certificates from the panel.") -> Idea:
    return idea_create(author=author, title=title, description=description,
                       category_id=cat.pk)
