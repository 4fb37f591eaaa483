"""Live chat: conversations, their messages (numbered per conversation), files, agents' status.

The database is the truth: a message exists once it has a row with its `seq`; WebSocket frames
only tell clients that there is something new to read.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConversationState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class ChatStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Side(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatAgent(models.Model):
    """An agent's chat availability; routing offers chats only to online agents seen lately
    (their console's socket refreshes `last_seen_at`), below their concurrency limit."""

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 primary_key=True, related_name="chat_profile")
    status = models.CharField(_("chat status"), max_length=8, choices=ChatStatus.choices,
                              default=ChatStatus.OFFLINE)
    max_chats = models.PositiveSmallIntegerField(_("concurrent chats"), default=3)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Round-robin: the agent who got a chat longest ago is next.
    last_routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat agent")
        verbose_name_plural = _("chat agents")

    def __str__(self) -> str:
        return f"{self.agent} ({self.status})"


class Conversation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(_("state"), max_length=8, choices=ConversationState.choices,
                             default=ConversationState.WAITING)
    # A signed-in portal customer; visitors are known only by what the pre-chat form says.
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="chats")
    visitor_name = models.CharField(_("name"), max_length=200, blank=True)
    visitor_email = models.EmailField(_("email address"), blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    # The hosting service the customer chose in the pre-chat form; the ticket inherits it.
    service = models.ForeignKey("hosting.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("service"))
    language = models.CharField(_("language"), max_length=8, default="en")
    origin = models.CharField(max_length=200, blank=True)
    page_url = models.CharField(max_length=500, blank=True)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="chats", verbose_name=_("department"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="assigned_chats",
                              verbose_name=_("agent"))
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="chats")
    # Messages up to this seq are already on the ticket.
    ticket_seq = models.PositiveIntegerField(default=0)
    last_seq = models.PositiveIntegerField(default=0)  # the counter messages take seq from
    visitor_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When the widget first opened its socket; a chat still without one after a few minutes
    # leaves the waiting list (destek.livechat.waiting).
    visitor_connected_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat")
        verbose_name_plural = _("chats")
        indexes = [
            models.Index(fields=["state", "department", "created_at"], name="chat_state_dept"),
            models.Index(fields=["agent", "state"], name="chat_agent_state"),
            models.Index(fields=["visitor_email"], name="chat_visitor_email"),
            models.Index(fields=["-created_at"], name="chat_created"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_name or self.visitor_email or self.public_id}"

    @property
    def display_name(self) -> str:
        if self.customer_id and self.customer is not None:
            return self.customer.display_name
        return self.visitor_name or self.visitor_email or str(_("Visitor"))

    @property
    def email(self) -> str:
        if self.customer_id and self.customer is not None:
            return self.customer.email
        return self.visitor_email


def chat_file_path(instance: ChatAttachment, filename: str) -> str:
    """Generated names only: the visitor's file name is kept in the row, never on disk."""
    return f"chat/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ChatAttachment(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="attachments")
    file = models.FileField(upload_to=chat_file_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    side = models.CharField(max_length=8, choices=Side.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class ChatMessage(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    seq = models.PositiveIntegerField()
    # The sender's id for this message: a retried send finds the stored one.
    client_id = models.CharField(max_length=64, blank=True)
    side = models.CharField(max_length=8, choices=Side.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    is_internal = models.BooleanField(default=False)  # agents' notes: never sent to visitors
    attachment = models.ForeignKey(ChatAttachment, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="uniq_chat_seq"),
            models.UniqueConstraint(fields=["conversation", "client_id"],
                                    condition=~Q(client_id=""), name="uniq_chat_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


class ChatHours(models.TextChoices):
    ALWAYS = "always", _("Whenever an agent is online")
    OFFICE = "office", _("The office hours of the SLA calendar")
    WEEKLY = "weekly", _("These hours every week")


class ChatSettings(models.Model):
    """The chat's settings (one row, primary key 1), changed in Settings → Live chat. Until
    it exists, the environment's DESTEK_CHAT_* values apply (destek.livechat.chat_settings)."""

    allowed_origins = models.JSONField(_("allowed websites"), default=list, blank=True)
    hours = models.CharField(_("chat hours"), max_length=10, choices=ChatHours.choices,
                             default=ChatHours.ALWAYS)
    # Monday 0 … Sunday 6 → [start, end] as "HH:MM" (end "00:00": midnight); absent: closed.
    weekly_hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    greeting_en = models.CharField(_("greeting (English)"), max_length=300, blank=True)
    greeting_tr = models.CharField(_("greeting (Turkish)"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return str(_("chat settings"))
