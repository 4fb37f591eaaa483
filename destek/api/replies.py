"""Replying to a ticket (or adding an internal note) through the intake funnel."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from destek.api import idempotency
from destek.api.base import ApiView, actor, error_responses
from destek.api.parsers import JSON_OR_MULTIPART
from destek.api.serializers import MessageSerializer, TicketSummarySerializer
from destek.core.errors import PermissionDenied
from destek.tickets.access import access_ticket_by_id
from destek.tickets.intake import MAX_BODY_CHARS, InboundMessage, receive
from destek.tickets.models import Channel, Status
from destek.tickets.uploads import files_from_request


class TicketReplyApi(ApiView):
    parser_classes = JSON_OR_MULTIPART

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReplyInput"

        body = serializers.CharField(required=False, allow_blank=True, max_length=MAX_BODY_CHARS,
                                     help_text="Plain text. Give `body` or `body_html`.")
        body_html = serializers.CharField(required=False, allow_blank=True,
                                          max_length=MAX_BODY_CHARS,
                                          help_text="HTML; sanitized before it is stored.")
        internal = serializers.BooleanField(required=False, default=False,
                                            help_text="Agents: an internal note.")
        status = serializers.ChoiceField(choices=Status.choices, required=False,
                                         help_text="Agents: the ticket's status after the reply.")
        attachments = serializers.ListField(child=serializers.FileField(), required=False,
                                            help_text="multipart/form-data only.")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReplyResult"

        message = MessageSerializer()
        ticket = TicketSummarySerializer()

    @extend_schema(
        operation_id="tickets_replies_create", tags=["tickets"],
        summary="Reply to a ticket, or add an internal note",
        description=(
            "With an `Idempotency-Key` header a retried request returns the message the first "
            "one stored, with status 200."
        ),
        parameters=[OpenApiParameter("ticket_id", int, OpenApiParameter.PATH),
                    idempotency.PARAMETER],
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={201: OutputSerializer,
                   200: OpenApiResponse(OutputSerializer,
                                        description="A replay of an earlier request."),
                   **error_responses(400, 403, 404, 413)},
    )
    def post(self, request: Request, ticket_id: int) -> Response:
        user = actor(request)
        ticket = access_ticket_by_id(actor=user, ticket_id=ticket_id)
        params = TicketReplyApi.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if not user.is_agent and data["internal"]:
            raise PermissionDenied(_("Only agents can write internal notes."), field="internal")
        if not user.is_agent and "status" in data:
            raise PermissionDenied(
                _("Customers change the status by closing or reopening the ticket."),
                field="status")
        key = idempotency.idempotency_key(request)
        result = receive(InboundMessage(
            channel=Channel.API, author=user, ticket_id=ticket.pk,
            body_text=data.get("body", ""), body_html=data.get("body_html", ""),
            is_internal=data["internal"], new_status=data.get("status"),
            attachments=tuple(files_from_request(data.get("attachments", []))),
            external_id=idempotency.external_id(user=user, operation=f"reply:{ticket.pk}",
                                                key=key),
        ))
        ticket = access_ticket_by_id(actor=user, ticket_id=result.message.ticket_id)
        body = TicketReplyApi.OutputSerializer(
            {"message": result.message, "ticket": ticket}, context={"request": request}).data
        if result.duplicate:
            return Response(body, headers={"Idempotent-Replayed": "true"})
        return Response(body, status=status.HTTP_201_CREATED)
