"""Output shapes shared by several API classes, and the error body (for the schema).

Each API class keeps its own Input serializer next to it; these are the representations of
tickets, messages and people that more than one operation returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from destek.accounts.models import Department, User
from destek.tickets.models import Attachment, Priority, Ticket, TicketEvent

PRIORITY_BY_NAME: dict[str, int] = {p.name.lower(): int(p.value) for p in Priority}
PRIORITY_NAMES: dict[int, str] = {v: k for k, v in PRIORITY_BY_NAME.items()}


class PriorityField(serializers.ChoiceField):
    """Priorities by name on the wire (low, normal, high, critical), integers inside."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(PRIORITY_BY_NAME), **kwargs)

    def to_internal_value(self, data: Any) -> int:  # type: ignore[override]
        return PRIORITY_BY_NAME[super().to_internal_value(data)]

    def to_representation(self, value: Any) -> str:
        return PRIORITY_NAMES.get(value, str(value))


def _absolute(context: Mapping[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def _actor_is_agent(context: Mapping[str, Any]) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_agent)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="invalid, not_authenticated, permission_denied, "
                                           "not_found, payload_too_large, throttled …")
    message = serializers.CharField(help_text="A human-readable, translated message.")
    field = serializers.CharField(allow_null=True, help_text="The input field at fault, if any.")
    # Declared fields are moved off the class by DRF's metaclass, so this does not shadow
    # Serializer.fields at run time.
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False, child=serializers.JSONField(),
        help_text="Validation errors: every message per field.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj: Department) -> str:
        return obj.localized_name(get_language())


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()


class AgentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class ServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="shared, reseller, vps, dedicated, domain, ssl, "
                                           "email, backup or other")
    plan = serializers.CharField(help_text="The product or plan name; may be empty.")
    domain = serializers.CharField(help_text="The primary domain; may be empty.")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    url = serializers.SerializerMethodField(help_text="Download link (same authentication).")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Attachment) -> str:
        return _absolute(self.context, reverse("api:attachment-download", args=[obj.pk]))


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    author = AgentRefSerializer(allow_null=True)
    author_kind = serializers.CharField(help_text="customer, agent or system")
    is_internal = serializers.BooleanField(help_text="An internal note (agents only see these).")
    sender_verified = serializers.BooleanField(
        help_text="False when nothing proved the sender is who the message says: email "
                  "without a passing DMARC/SPF/DKIM result from a trusted receiving host, a "
                  "chat offline message typed in a customer's name. Show it as unverified.")
    body_html = serializers.CharField(help_text="Sanitized HTML.")
    body_text = serializers.CharField()
    channel = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    actor = AgentRefSerializer(allow_null=True)
    before = serializers.CharField()
    after = serializers.CharField()
    created_at = serializers.DateTimeField()


class TicketSummarySerializer(serializers.Serializer):
    """A queue row: only what the queue selector loads, so a page costs a fixed query count."""

    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The number customers quote, e.g. T-100042.")
    subject = serializers.CharField()
    status = serializers.CharField()
    priority = PriorityField()
    channel = serializers.CharField()
    department = DepartmentRefSerializer()
    customer = CustomerRefSerializer()
    assignee = AgentRefSerializer(allow_null=True)
    tags = serializers.SerializerMethodField(help_text="Agents only; empty for customers.")
    message_count = serializers.IntegerField(help_text="Public messages.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_customer_message_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_tags(self, obj: Ticket) -> list[str]:
        if not _actor_is_agent(self.context):
            return []
        # A queue page's tag names come with it (ticket_queue: one query for the page).
        names = self.context.get("tag_names", {}).get(obj.pk)
        return list(names) if names is not None else [tag.name for tag in obj.tags.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Ticket) -> str:
        return _absolute(self.context, reverse("api:ticket-detail", args=[obj.pk]))


class TicketDetailSerializer(TicketSummarySerializer):
    """A ticket with its conversation; build it with `ticket_detail_body`."""

    cc = serializers.ListField(child=serializers.EmailField(), source="cc_addresses")
    first_response_at = serializers.DateTimeField(allow_null=True)
    last_agent_message_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    service = ServiceRefSerializer(allow_null=True, help_text="The hosting service the ticket "
                                                              "is about, if any.")
    messages = serializers.SerializerMethodField(
        help_text="Oldest first; internal notes are included for agents only.")
    history = serializers.SerializerMethodField(
        help_text="Every change (who, what, before, after); agents only, empty for customers.")

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, obj: Ticket) -> list[dict[str, Any]]:
        messages = self.context.get("messages", [])
        return MessageSerializer(messages, many=True, context=self.context).data  # type: ignore[return-value]

    @extend_schema_field(EventSerializer(many=True))
    def get_history(self, obj: Ticket) -> list[dict[str, Any]]:
        events: list[TicketEvent] = self.context.get("events", [])
        return EventSerializer(events, many=True, context=self.context).data  # type: ignore[return-value]


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    organization = serializers.CharField(source="organization.name", allow_null=True,
                                         default=None)
    language = serializers.CharField()
    phone = serializers.CharField()
    date_joined = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: User) -> str:
        return _absolute(self.context, reverse("api:customer-detail", args=[obj.pk]))
