"""Who gets a chat: online agents of its department, round-robin, under their limit.

An agent is a candidate when their chat status is online, their console was heard from
lately (DESTEK_CHAT_AGENT_SEEN_SECONDS), their desk availability is on (the same switch
ticket routing uses) and they hold fewer active chats than their `max_chats`. Among the
candidates, the one who got a chat longest ago is next. The department row is locked so two
chats starting together do not take the same turn.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from destek.accounts.models import STAFF_ROLES, Department, User
from destek.livechat import events
from destek.livechat.models import ChatAgent, ChatStatus, Conversation, ConversationState
from destek.livechat.services.messages import chat_system_message
from destek.livechat.waiting import still_waiting

NEVER = datetime.min.replace(tzinfo=UTC)


def online_agents(*, department_id: int) -> QuerySet[ChatAgent]:
    seen_after = timezone.now() - timedelta(seconds=settings.DESTEK_CHAT_AGENT_SEEN_SECONDS)
    return ChatAgent.objects.filter(
        status=ChatStatus.ONLINE, last_seen_at__gte=seen_after, agent__is_active=True,
        agent__is_available=True, agent__role__in=STAFF_ROLES,
        agent__departmentmembership__department_id=department_id,
    )


def department_is_staffed(*, department_id: int) -> bool:
    """Whether a chat started now would find an agent (online, even if busy)."""
    return online_agents(department_id=department_id).exists()


def _candidates(department_id: int, exclude: set[int]) -> list[ChatAgent]:
    agents = list(online_agents(department_id=department_id).exclude(agent_id__in=exclude)
                  .select_related("agent"))
    if not agents:
        return []
    loads = dict(
        Conversation.objects.filter(agent__in=[a.agent_id for a in agents],
                                    state=ConversationState.ACTIVE)
        .order_by().values("agent").annotate(n=Count("pk")).values_list("agent", "n")
    )
    return [a for a in agents if loads.get(a.agent_id, 0) < a.max_chats]


def chat_assign(*, conversation: Conversation, agent: User, note: str = "") -> Conversation:
    """Give a chat to `agent` (inside the caller's transaction) and tell everyone."""
    previous = conversation.agent_id
    now = timezone.now()
    conversation.agent = agent
    conversation.state = ConversationState.ACTIVE
    conversation.accepted_at = conversation.accepted_at or now
    conversation.save(update_fields=["agent", "state", "accepted_at"])
    ChatAgent.objects.filter(agent=agent).update(last_routed_at=now)
    with override(conversation.language):
        chat_system_message(conversation=conversation,
                            body=note or _("%(name)s joined the chat.")
                            % {"name": agent.full_name or _("An agent")})
    events.conversation_changed(conversation.pk, agent_ids=(previous, agent.pk))
    return conversation


def chat_route(*, conversation_id: int, exclude_agent_ids: frozenset[int] = frozenset(),
               announce_waiting: bool = False) -> Conversation:
    """Offer a waiting chat to the next agent; it stays waiting when nobody is free (and,
    with `announce_waiting`, for a chat that just arrived, the desks are told)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update(of=("self",)).select_related(
            "agent").get(
            pk=conversation_id)
        if conversation.state != ConversationState.WAITING:
            return conversation
        Department.objects.select_for_update().get(pk=conversation.department_id)
        candidates = _candidates(conversation.department_id, set(exclude_agent_ids))
        if not candidates:
            if announce_waiting:
                events.waiting_for_an_agent(conversation.pk, conversation.department_id)
            return conversation
        chosen = min(candidates, key=lambda a: (a.last_routed_at or NEVER, a.agent_id))
        return chat_assign(conversation=conversation, agent=chosen.agent)


def route_waiting(*, department_id: int, limit: int = 20) -> int:
    """After capacity frees up (a chat ended, an agent came online): oldest waiting first."""
    waiting = list(Conversation.objects.filter(
        still_waiting(timezone.now()), department_id=department_id,
        state=ConversationState.WAITING,
    ).order_by("created_at").values_list("pk", flat=True)[:limit])
    routed = 0
    for pk in waiting:
        if chat_route(conversation_id=pk).state != ConversationState.ACTIVE:
            break  # nobody free any more
        routed += 1
    return routed


def chat_status_set(*, agent: User, status: str, max_chats: int | None = None) -> ChatAgent:
    """Online / away / offline from the console; going online pulls waiting chats."""
    if status not in ChatStatus.values:
        status = ChatStatus.OFFLINE
    profile, _created = ChatAgent.objects.get_or_create(agent=agent)
    profile.status = status
    profile.last_seen_at = timezone.now()
    fields = ["status", "last_seen_at"]
    if max_chats is not None and 0 < max_chats <= 100:
        profile.max_chats = max_chats
        fields.append("max_chats")
    profile.save(update_fields=fields)
    events.publish_on_commit(events.QUEUE, {"type": "chat.queue", "conversation": 0})
    if status == ChatStatus.ONLINE:
        for department_id in agent.departments.values_list("pk", flat=True):
            route_waiting(department_id=department_id)
    return profile


def agent_seen(*, agent_id: int) -> None:
    """The console is alive: keep the agent routable."""
    ChatAgent.objects.filter(agent_id=agent_id).update(last_seen_at=timezone.now())
