"""The help-desk domain: tickets, their messages, attachments, audit events and tags."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Priority(models.IntegerChoices):
    LOW = 10, _("Low")
    NORMAL = 20, _("Normal")
    HIGH = 30, _("High")
    CRITICAL = 40, _("Critical")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending customer")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class WaitingFor(models.TextChoices):
    """What a pending or on-hold ticket waits for, as its customer is told."""
    NOT_SET = "", _("Not set")
    CUSTOMER_REPLY = "customer_reply", _("your reply")
    PROVIDER = "provider", _("a provider or vendor (e.g. the domain registry, the data centre)")
    SCHEDULED = "scheduled", _("a scheduled date or maintenance window")
    INTERNAL_TEAM = "internal_team", _("another team of ours")


WAITING_STATUSES = (Status.PENDING, Status.ON_HOLD)
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    API = "api", _("API")
    DESK = "desk", _("Agent desk")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    FORUM = "forum", _("Forum")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class Tag(models.Model):
    name = models.SlugField(_("name"), max_length=50, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=250)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="tickets", verbose_name=_("department"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices,
                                                default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.NEW)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # Set by an agent for a pending/on-hold ticket, cleared when it leaves those statuses.
    waiting_for = models.CharField(_("waiting for"), max_length=16, blank=True, default="",
                                   db_default="", choices=WaitingFor.choices)
    waiting_note = models.CharField(_("waiting note"), max_length=200, blank=True, default="",
                                    db_default="")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="tickets", verbose_name=_("customer"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_tickets",
                                 verbose_name=_("assignee"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    # The hosting service the ticket is about (chosen by the customer, matched from an
    # email's domain, or set by an agent).
    service = models.ForeignKey("hosting.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="tickets",
                                verbose_name=_("service"))
    cc_addresses = models.JSONField(_("CC addresses"), default=list, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_tickets")
    # A reply to a closed ticket can open a new one (DESTEK_MAIL_CLOSED_REPLY="follow_up").
    follow_up_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="follow_ups", verbose_name=_("follow-up of"))
    message_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first agent response"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The SLA deadlines (next deadline, warning, next check) are in destek.sla's TicketSla
    # (ticket.sla), a narrow row that a recomputation can rewrite cheaply.

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        # Every queue is "a filter, newest activity first": one index per filter shape so the
        # first page is an index range scan whatever the table size.
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_recent"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="ticket_assignee"),
            models.Index(fields=["department", "status", "-updated_at"], name="ticket_dept"),
            models.Index(fields=["customer", "-updated_at"], name="ticket_customer"),
            # ORDER BY priority DESC, updated_at DESC, id DESC needs one direction throughout:
            # (priority ASC, updated_at DESC) serves neither that order nor its reverse.
            models.Index(fields=["-priority", "-updated_at", "-id"], name="ticket_priority"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            # The default queue (open tickets, ~5 % of rows) and its sorts: partial indexes.
            models.Index(fields=["-updated_at", "-id"], name="ticket_open_recent",
                         condition=models.Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["-priority", "-updated_at", "-id"], name="ticket_open_priority",
                         condition=models.Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["-updated_at", "-id"], name="ticket_open_unassigned",
                         condition=models.Q(assignee__isnull=True, status__in=OPEN_STATUSES)),
            # Routing counts each candidate's open tickets on every new ticket: an index-only
            # scan of this small index instead of a heap visit per open ticket. Without NULLs,
            # so the unassigned queue keeps ticket_open_unassigned (already in its order).
            models.Index(fields=["assignee"], name="ticket_open_assigned",
                         condition=models.Q(status__in=OPEN_STATUSES,
                                            assignee__isnull=False)),
            # The deadline sort's second part (open tickets with no running deadline, by id):
            # walked in id order and merged with the SLA rows, it stops at the page's end
            # instead of joining every open ticket and sorting them (31 ms → 0.1 ms at
            # 100,000 tickets).
            models.Index(fields=["id"], name="ticket_open_id",
                         condition=models.Q(status__in=OPEN_STATUSES)),
            # The queue filtered by a server or plan (the customer panel's links): the tickets
            # of each matching service, newest first, index-only (28 → 2.5 ms for a server's
            # 448 services at 100,000 tickets; the FK's own index made PostgreSQL hash-join
            # the whole table).
            models.Index(fields=["service", "-updated_at", "-id"], name="ticket_service_recent"),
            # Time-based automations ("resolved for 7 days"): the tickets of one status that
            # crossed a threshold since the previous run, an index range at any table size.
            # (status, updated_at) is ticket_status_recent's prefix.
            models.Index(fields=["status", "resolved_at"], name="ticket_status_resolved",
                         condition=models.Q(resolved_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """The human-friendly number customers quote, e.g. T-100042."""
        return format_reference(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


REFERENCE_OFFSET = 100000


def format_reference(pk: int | None) -> str:
    return f"T-{(pk or 0) + REFERENCE_OFFSET}"


def parse_reference(text: str) -> int | None:
    """`T-100042`, `#100042` or `100042` → primary key 42; None when it is not a number."""
    digits = text.strip().upper().removeprefix("#").removeprefix("T-").removeprefix("T")
    if not digits.isdigit():
        return None
    number = int(digits)
    return number - REFERENCE_OFFSET if number > REFERENCE_OFFSET else None


class Message(models.Model):
    """A public reply or an internal note on a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_kind = models.CharField(max_length=16, choices=AuthorKind.choices)
    is_internal = models.BooleanField(_("internal note"), default=False)
    body_html = models.TextField(_("body"))
    body_text = models.TextField(_("plain text"))
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Deduplication key of the channel (an email's Message-ID, an API Idempotency-Key …).
    external_id = models.CharField(max_length=255, blank=True, default="")
    # Email: the quoted history and signature cut from the body (shown collapsed), and
    # whether this was an automatic reply (out of office…), which is never answered.
    # Database defaults too: bulk loaders (destek seed's COPY) write only the columns they know.
    quoted_text = models.TextField(_("quoted text"), blank=True, default="", db_default="")
    is_auto_reply = models.BooleanField(_("automatic reply"), default=False, db_default=False)
    # Whether the sender is who the message says: true for what signed-in people typed (portal,
    # desk, API token), false for email without a passing, aligned DMARC/SPF/DKIM result from
    # a trusted receiving host, and for a chat offline message typed in someone's name.
    sender_verified = models.BooleanField(_("sender verified"), default=True, db_default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~models.Q(external_id=""),
                name="uniq_message_channel_external_id",
            )
        ]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under a random name; the original name is kept only in the database."""
    suffix = PurePath(filename).suffix.lower()[:10]
    safe_suffix = suffix if suffix[1:].isalnum() else ""
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{safe_suffix}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Ticket opened")
    REPLIED = "replied", _("Public reply")
    NOTE = "note", _("Internal note")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    DEPARTMENT = "department", _("Department changed")
    ASSIGNEE = "assignee", _("Assignee changed")
    TAGS = "tags", _("Tags changed")
    SUBJECT = "subject", _("Subject changed")
    CC = "cc", _("CC changed")
    MERGED = "merged", _("Merged")
    SERVICE = "service", _("Service changed")
    # Messages moving between tickets: `before`/`after` hold the other ticket's reference and
    # the moved messages' numbers ("#12, #13"), so the history says what moved where.
    MERGED_OUT = "merged_out", _("Merged into another ticket")
    MERGED_IN = "merged_in", _("Another ticket merged in")
    SPLIT_OUT = "split_out", _("Messages split off")
    SPLIT_IN = "split_in", _("Split from another ticket")
    LINKED = "linked", _("Ticket linked")
    UNLINKED = "unlinked", _("Link removed")
    # A trigger, an automation or a macro changed the ticket: `after` holds its name.
    AUTOMATION = "automation", _("Rule applied")


class TicketEvent(models.Model):
    """The audit trail: who changed what, from which value to which."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    before = models.CharField(max_length=255, blank=True, default="")
    after = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.kind}"


class TicketLink(models.Model):
    """Two related tickets, stored once (the lower id first) and listed on both."""

    lower = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    higher = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["lower", "higher"], name="uniq_ticket_link"),
            models.CheckConstraint(condition=models.Q(lower__lt=models.F("higher")),
                                   name="ticket_link_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.lower_id} ↔ {self.higher_id}"


class TicketFollower(models.Model):
    """An agent who hears about a ticket's customer replies and status changes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"],
                                               name="uniq_ticket_follower")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.user_id}"


class Mention(models.Model):
    """An agent @mentioned in an internal note; `notified` is False when they could not see
    the ticket (an outsourced agent outside its department), so they were not told."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    notified = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"],
                                               name="uniq_message_mention")]

    def __str__(self) -> str:
        return f"{self.message_id}: @{self.user_id}"


class CannedResponse(models.Model):
    """A reusable reply; {customer_name}, {ticket_number}, {agent_name}… are filled in.

    A macro when it also has actions: applied in one click, it sends the reply (when it has
    a body) and sets the status, priority, tags and assignee and adds a note
    (destek.tickets.services.macros). Usage is counted."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=8, blank=True,
                                choices=[("", _("Any")), ("en", "English"), ("tr", "Türkçe")])
    department = models.ForeignKey("accounts.Department", null=True, blank=True,
                                   on_delete=models.CASCADE, verbose_name=_("department"))
    # Empty: shared with every agent (supervisors and admins manage it); set: personal, seen
    # and changed only by its owner (destek.tickets.access.access_canned_response_by_id).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("owner"))
    set_status = models.CharField(_("set the status"), max_length=16, blank=True, default="",
                                  choices=[("", _("Unchanged")), *Status.choices])
    set_priority = models.PositiveSmallIntegerField(_("set the priority"), null=True, blank=True,
                                                    choices=Priority.choices)
    add_tags = models.CharField(_("add tags"), max_length=300, blank=True, default="")
    remove_tags = models.CharField(_("remove tags"), max_length=300, blank=True, default="")
    # "me": the agent applying it; "none": unassign; "" unchanged; or a staff member's id.
    set_assignee = models.CharField(_("set the assignee"), max_length=20, blank=True,
                                    default="")
    note = models.TextField(_("internal note"), blank=True, default="")
    usage_count = models.PositiveIntegerField(_("used"), default=0)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.title


class RoutingRule(models.Model):
    """Where a customer's new ticket goes: the first active rule (by position) whose
    conditions all hold sends it to its department, and may raise its priority.

    Asked only when the ticket came without a department, or with one of the rule's "when
    sent to" departments (a choice the customer made is kept otherwise), and only when the
    customer's organization (or its reseller) has no dedicated team, which comes first.
    An empty condition matches anything. Compiled and cached per process
    (destek.tickets.routing_rules), reloaded when RoutingSettings.version moves.
    """

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=100,
                                           help_text=_("Rules are tried lowest first."))
    is_active = models.BooleanField(_("active"), default=True)
    from_departments = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="+",
        verbose_name=_("when sent to"),
        help_text=_("Also re-route tickets the customer (or the mailbox) sent to one of these "
                    "departments. Empty: only tickets that came without a department."))
    channels = models.JSONField(_("channels"), default=list, blank=True)
    service_kinds = models.JSONField(_("service kinds"), default=list, blank=True)
    plans = models.JSONField(_("plans"), default=list, blank=True)
    servers = models.JSONField(_("servers"), default=list, blank=True)
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    resellers = models.ManyToManyField(
        "accounts.Organization", blank=True, related_name="+", verbose_name=_("resellers"),
        limit_choices_to={"is_reseller": True},
        help_text=_("Tickets of these resellers and of their end customers."))
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("send to"))
    raise_priority_to = models.PositiveSmallIntegerField(
        _("raise the priority to"), choices=Priority.choices, null=True, blank=True,
        help_text=_("At least this priority; a higher one is kept. Empty: unchanged."))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class RoutingSettings(models.Model):
    """One row: the routing rules' version each process compares with its cached copy."""

    version = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")

    def __str__(self) -> str:
        return f"v{self.version}"
