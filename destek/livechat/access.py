"""The one way to obtain a conversation in server code, for agents and for visitors.

An agent may open a chat they are assigned to, any chat of a department they may see
(supervisors, admins and agents who see all departments: every chat); outsourced agents only
chats of their departments. Everyone else gets NotFound, like every other door.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from destek.accounts.models import Role, User
from destek.accounts.scope import in_scope, works_in_every_department
from destek.core.errors import NotFound
from destek.livechat.models import Conversation
from destek.livechat.tokens import public_id_from_token


def conversations_visible_to(actor: User) -> QuerySet[Conversation]:
    if not actor.is_authenticated or not actor.is_active or not actor.is_agent:
        return Conversation.objects.none()
    if works_in_every_department(actor):
        return Conversation.objects.all()
    return Conversation.objects.filter(in_scope(actor) | Q(agent=actor))


def may_supervise(actor: User) -> bool:
    return actor.is_authenticated and actor.role in (Role.SUPERVISOR, Role.ADMIN)


def access_conversation_by_id(*, actor: User, conversation_id: int | str,
                              for_update: bool = False) -> Conversation:
    try:
        pk = int(conversation_id)
    except (TypeError, ValueError):
        raise NotFound(_("Chat not found.")) from None
    queryset = conversations_visible_to(actor)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    conversation = queryset.select_related("department", "agent", "customer").filter(pk=pk).first()
    if conversation is None:
        raise NotFound(_("Chat not found."))
    return conversation


def access_conversation_by_token(*, token: str) -> Conversation:
    public_id = public_id_from_token(token)
    conversation = (
        Conversation.objects.select_related("department", "agent", "customer")
        .filter(public_id=public_id).first() if public_id else None
    )
    if conversation is None:
        raise NotFound(_("Chat not found."))
    return conversation
