"""Reading tickets: the queue (keyset-paginated) and one ticket with its conversation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from destek.accounts.models import User
from destek.api.base import MAX_ID, ApiView, actor, error_responses
from destek.api.pagination import PageParams, next_link, page_body, unsign_cursor
from destek.api.representations import ticket_detail_data
from destek.api.serializers import PriorityField, TicketDetailSerializer, TicketSummarySerializer
from destek.core.errors import PermissionDenied
from destek.queues.selectors import QUEUES, SLA_FILTERS, SORTS, QueueFilters, ticket_queue
from destek.tickets.access import access_ticket_by_id
from destek.tickets.models import Status, Ticket
from destek.tickets.selectors import TicketDetail, ticket_detail


def ticket_detail_response(request: Request, ticket: Ticket, *,
                           status_code: int = status.HTTP_200_OK,
                           headers: dict[str, str] | None = None,
                           detail: TicketDetail | None = None) -> Response:
    """A ticket (obtained through access_*) with what `actor` may see of its conversation;
    `detail` when the caller already has it (a ticket it just opened)."""
    user = actor(request)
    if detail is None:
        detail = ticket_detail(actor=user, ticket=ticket, with_events=user.is_agent)
    body = ticket_detail_data(ticket, request=request, messages=detail.messages,
                              events=detail.events)
    return Response(body, status=status_code, headers=headers)


class TicketListApi(ApiView):
    class FilterSerializer(PageParams):
        class Meta:
            ref_name = "TicketListFilters"

        queue = serializers.ChoiceField(
            choices=QUEUES, required=False, default="all",
            help_text="mine, unassigned, open (new, open, pending, on hold) or all.")
        status = serializers.MultipleChoiceField(
            choices=Status.choices, required=False,
            help_text="Repeat to match several: ?status=new&status=open.")
        priority = PriorityField(required=False)
        department = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
        assignee = serializers.RegexField(
            r"^(me|none|[1-9][0-9]{0,17})$", required=False,
            help_text="An agent's id, `me`, or `none` for unassigned tickets.",
            error_messages={"invalid": gettext_lazy("Give an agent id, “me” or “none”.")})
        tag = serializers.CharField(required=False, max_length=50)
        q = serializers.CharField(required=False, max_length=200, allow_blank=True,
                                  help_text="A ticket number, subject words or customer email.")
        sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="updated")
        server = serializers.CharField(
            required=False, max_length=120,
            help_text="Tickets about a service on this server or node (exact name).")
        plan = serializers.CharField(
            required=False, max_length=120,
            help_text="Tickets about a service of this product or plan (exact name).")
        sla = serializers.ChoiceField(
            choices=SLA_FILTERS, required=False,
            help_text="Agents only: `breached` (a running SLA target is past its deadline) or "
                      "`at_risk` (past its warning, not yet breached).")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketPage"

        results = TicketSummarySerializer(many=True)
        next = serializers.URLField(allow_null=True, help_text="The next page, or null.")

    @extend_schema(
        operation_id="tickets_list", tags=["tickets"],
        summary="List the tickets you may see",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        params = TicketListApi.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = actor(request)
        if data.get("tag") and not user.is_agent:
            # Tags are agents' notes about a ticket; probing them would reveal those notes.
            raise PermissionDenied(_("Only agents can filter by tag."), field="tag")
        if data.get("sla") and not user.is_agent:
            # Warnings and breaches are the support team's own measure of its targets.
            raise PermissionDenied(_("Only agents can filter by SLA."), field="sla")
        filters = _queue_filters(user, data)
        scope = f"tickets:{filters.sort}"
        page = ticket_queue(actor=user, filters=filters, limit=data["limit"],
                            cursor=unsign_cursor(data.get("cursor"), scope=scope))
        results = TicketSummarySerializer(
            page.items, many=True,
            context={"request": request, "tag_names": page.tag_names}).data
        return Response(page_body(results, next_link(request, page.next_cursor, scope=scope)))


def _queue_filters(user: User, data: dict[str, Any]) -> QueueFilters:
    assignee = data.get("assignee")
    return QueueFilters(
        queue=data["queue"],
        statuses=tuple(sorted(data.get("status") or ())),
        priority=data.get("priority"),
        department_id=data.get("department"),
        assignee_id=user.pk if assignee == "me" else (
            int(assignee) if assignee and assignee != "none" else None),
        unassigned=assignee == "none",
        tag=data.get("tag", ""),
        search=data.get("q", ""),
        sort=data["sort"],
        sla=data.get("sla", ""),
        server=data.get("server", ""),
        plan=data.get("plan", ""),
    )


class TicketDetailApi(ApiView):
    @extend_schema(
        operation_id="tickets_retrieve", tags=["tickets"],
        summary="A ticket with its messages and attachments",
        parameters=[OpenApiParameter("ticket_id", int, OpenApiParameter.PATH)],
        responses={200: TicketDetailSerializer, **error_responses(404)},
    )
    def get(self, request: Request, ticket_id: int) -> Response:
        ticket = access_ticket_by_id(actor=actor(request), ticket_id=ticket_id)
        return ticket_detail_response(request, ticket)
