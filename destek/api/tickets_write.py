"""Opening tickets (through the intake funnel) and changing them (through the services)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from destek.accounts.emails import normalized_email
from destek.accounts.models import Department, User
from destek.accounts.scope import departments_for, is_department_limited
from destek.api import idempotency
from destek.api.base import MAX_ID, ApiView, actor, error_responses
from destek.api.parsers import JSON_ONLY, JSON_OR_MULTIPART
from destek.api.people import customers_visible_to
from destek.api.serializers import PriorityField, TicketDetailSerializer
from destek.api.tickets_read import ticket_detail_response
from destek.core.errors import ApplicationError, PermissionDenied
from destek.hosting.models import Service
from destek.hosting.selectors import service_of
from destek.tickets.access import access_ticket_by_id
from destek.tickets.intake import MAX_BODY_CHARS, MAX_SUBJECT, InboundMessage, receive
from destek.tickets.models import Channel, Status
from destek.tickets.selectors import new_ticket_detail
from destek.tickets.services.changes import UNSET, ticket_set_status_by_customer, ticket_update
from destek.tickets.uploads import files_from_request

MAX_CC = 50
MAX_TAGS = 50


class TicketCreateApi(ApiView):
    parser_classes = JSON_OR_MULTIPART

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketCreateInput"

        subject = serializers.CharField(max_length=MAX_SUBJECT)
        body = serializers.CharField(required=False, allow_blank=True, max_length=MAX_BODY_CHARS,
                                     help_text="Plain text. Give `body` or `body_html`.")
        body_html = serializers.CharField(required=False, allow_blank=True,
                                          max_length=MAX_BODY_CHARS,
                                          help_text="HTML; sanitized before it is stored.")
        department = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_ID,
            help_text="Department id; the first one when omitted.")
        priority = PriorityField(required=False)
        customer = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_ID,
            help_text="Agents: the customer's id (or give customer_email).")
        customer_email = serializers.EmailField(
            required=False, help_text="Agents: the customer's address; a new customer is "
                                      "created on first contact.")
        customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        cc = serializers.ListField(child=serializers.EmailField(), required=False,
                                   max_length=MAX_CC)
        attachments = serializers.ListField(child=serializers.FileField(), required=False,
                                            help_text="multipart/form-data only.")
        service = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID,
            help_text="The id of the hosting service the ticket is about: one of the "
                      "customer's own or their organization's services.")

    @extend_schema(
        operation_id="tickets_create", tags=["tickets"],
        summary="Open a ticket",
        description=(
            "Customers open tickets for themselves; agents open them on a customer's behalf "
            "(`customer` or `customer_email`). Send JSON, or multipart/form-data to attach "
            "files. With an `Idempotency-Key` header a retried request returns the ticket the "
            "first one opened, with status 200."
        ),
        parameters=[idempotency.PARAMETER],
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={201: TicketDetailSerializer,
                   200: OpenApiResponse(TicketDetailSerializer,
                                        description="A replay of an earlier request."),
                   **error_responses(400, 403, 413)},
    )
    def post(self, request: Request) -> Response:
        params = TicketCreateApi.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        user = actor(request)
        key = idempotency.idempotency_key(request)
        inbound = _inbound_ticket(user, params.validated_data, key)
        result = receive(inbound)
        if result.duplicate:
            # A replay: the first request's ticket, read back through the access check.
            ticket = access_ticket_by_id(actor=user, ticket_id=result.ticket.pk)
            return ticket_detail_response(request, ticket,
                                          headers={"Idempotent-Replayed": "true"})
        ticket = result.ticket
        if not user.is_customer:
            # An agent may open a ticket they cannot see afterwards (an outsourced agent's
            # ticket routed elsewhere): the access check decides, one query.
            ticket = access_ticket_by_id(actor=user, ticket_id=ticket.pk)
        # A new ticket: its message and attachments from what the funnel returned, without
        # reading them back.
        detail = new_ticket_detail(actor=user, ticket=ticket, message=result.message,
                                   attachments=result.attachments)
        return ticket_detail_response(request, ticket, detail=detail,
                                      status_code=status.HTTP_201_CREATED)


def _inbound_ticket(user: User, data: dict[str, Any], key: str) -> InboundMessage:
    customer = None
    if user.is_agent:
        customer = _customer_for(user, data)
    elif "customer" in data or "customer_email" in data:
        raise PermissionDenied(_("Customers open tickets for themselves."), field="customer")
    return InboundMessage(
        channel=Channel.API, author=user, customer=customer,
        service=_service_for(user, customer, data),
        sender_email=data.get("customer_email", "") if user.is_agent else "",
        sender_name=data.get("customer_name", "") if user.is_agent else "",
        subject=data["subject"], body_text=data.get("body", ""),
        body_html=data.get("body_html", ""), department_id=_department_id_for(user, data),
        priority=data.get("priority"), cc=tuple(data.get("cc", ())),
        attachments=tuple(files_from_request(data.get("attachments", []))),
        external_id=idempotency.external_id(user=user, operation="ticket", key=key),
    )


def _customer_for(user: User, data: dict[str, Any]) -> User | None:
    if "customer" in data and "customer_email" in data:
        raise ApplicationError(_("Give either customer or customer_email, not both."),
                               field="customer")
    if "customer" not in data:
        return None  # the funnel resolves customer_email, or asks for a customer
    customer = customers_visible_to(user).filter(pk=data["customer"]).first()
    if customer is None:
        raise ApplicationError(_("Choose a valid customer."), field="customer")
    return customer


def _service_for(user: User, customer: User | None, data: dict[str, Any]) -> Service | None:
    """The service named, read within the customer's services (one query, none when no
    service is named): anyone else's id is refused as an unknown one is."""
    service_id = data.get("service")
    if service_id is None:
        return None
    if user.is_customer:
        customer = user
    elif customer is None and "customer_email" in data:
        # A customer named by address: their services if they exist (a new one has none).
        customer = customers_visible_to(user).filter(
            email=normalized_email(data["customer_email"])).first()
        if customer is None:
            raise ApplicationError(_("Choose one of this customer's services."),
                                   field="service")
    if customer is None:
        return None  # the funnel asks for the customer first
    service = service_of(customer=customer, service_id=service_id)
    if service is None:
        raise ApplicationError(
            _("Choose one of your services.") if user.is_customer
            else _("Choose one of this customer's services."), field="service")
    return service


def _department_id_for(user: User, data: dict[str, Any]) -> int | None:
    """Outsourced agents open tickets only in the departments given to them."""
    department_id: int | None = data.get("department")
    if not is_department_limited(user):
        return department_id
    allowed = list(departments_for(user).order_by("pk").values_list("pk", flat=True))
    if department_id is None and allowed:
        department_id = allowed[0]
    if department_id is None or department_id not in allowed:
        raise ApplicationError(_("Choose a valid department."), field="department")
    return department_id


class TicketUpdateApi(ApiView):
    parser_classes = JSON_ONLY

    class AgentInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketUpdateInput"

        status = serializers.ChoiceField(choices=Status.choices, required=False)
        priority = PriorityField(required=False)
        department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        assignee = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                            max_value=MAX_ID,
                                            help_text="An agent's id; null to unassign.")
        tags = serializers.ListField(child=serializers.CharField(max_length=50),
                                     required=False, max_length=MAX_TAGS,
                                     help_text="Replaces the ticket's tags.")
        subject = serializers.CharField(required=False, max_length=MAX_SUBJECT)
        cc = serializers.ListField(child=serializers.EmailField(), required=False,
                                   max_length=MAX_CC, help_text="Replaces the CC addresses.")

    class CustomerInputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketUpdateByCustomerInput"

        status = serializers.ChoiceField(choices=[Status.OPEN, Status.CLOSED], required=False)

    @extend_schema(
        operation_id="tickets_partial_update", tags=["tickets"],
        summary="Change a ticket",
        description=(
            "Agents may change any of these fields. Customers may only close their ticket "
            "(`{\"status\": \"closed\"}`) or reopen a resolved or closed one "
            "(`{\"status\": \"open\"}`); any other field is refused with 403."
        ),
        parameters=[OpenApiParameter("ticket_id", int, OpenApiParameter.PATH)],
        request=AgentInputSerializer,
        responses={200: TicketDetailSerializer, **error_responses(400, 403, 404, 413)},
    )
    def patch(self, request: Request, ticket_id: int) -> Response:
        user = actor(request)
        ticket = access_ticket_by_id(actor=user, ticket_id=ticket_id)
        if user.is_agent:
            changes = TicketUpdateApi.AgentInputSerializer(data=request.data)
            changes.is_valid(raise_exception=True)
            ticket = ticket_update(actor=user, ticket=ticket, **_changes(changes.validated_data))
        else:
            if isinstance(request.data, dict) and set(request.data) - {"status"}:
                raise PermissionDenied(_("Customers can only close or reopen their tickets."))
            params = TicketUpdateApi.CustomerInputSerializer(data=request.data)
            params.is_valid(raise_exception=True)
            new_status = params.validated_data.get("status")
            if new_status is not None:
                ticket = ticket_set_status_by_customer(actor=user, ticket=ticket,
                                                       status=new_status)
        return ticket_detail_response(request, ticket)


def _changes(data: dict[str, Any]) -> dict[str, Any]:
    """Validated input → ticket_update's keyword arguments (ids resolved to objects)."""
    changes: dict[str, Any] = {
        "status": data.get("status"), "priority": data.get("priority"),
        "subject": data.get("subject"), "tags": data.get("tags"),
        "cc_addresses": data.get("cc"), "assignee": UNSET,
    }
    if "department" in data:
        department = Department.objects.filter(pk=data["department"]).first()
        if department is None:
            raise ApplicationError(_("Choose a valid department."), field="department")
        changes["department"] = department
    if "assignee" in data:
        assignee = None
        if data["assignee"] is not None:
            assignee = User.objects.filter(pk=data["assignee"]).first()
            if assignee is None or not assignee.is_agent:
                raise ApplicationError(_("Choose a valid assignee."), field="assignee")
        changes["assignee"] = assignee
    return changes
