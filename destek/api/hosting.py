"""Hosting data for integrations (administrators' tokens) and a customer's services (agents).

Billing systems put organizations, customers and services by their own ids (`PUT` is
idempotent: the same body twice changes nothing the second time), read and delete them, or
send many at once to `sync/`. Every write goes through `hosting.sync`, the engine the CSV
import and the WHMCS adapter use."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from destek.api.base import ApiView, actor, error_responses
from destek.api.hosting_io import (
    MAX_SYNC_RECORDS,
    CustomerFields,
    CustomerInput,
    HostingCustomerSerializer,
    HostingOrganizationSerializer,
    HostingServiceSerializer,
    OrganizationFields,
    OrganizationInput,
    ServiceFields,
    ServiceInput,
    SyncDeleteInput,
    SyncReportSerializer,
    customer_record,
    organization_record,
    report_body,
    service_record,
)
from destek.api.pagination import PageParams, next_link, page_body, unsign_cursor
from destek.api.parsers import BulkJSONParser
from destek.api.people import access_customer_by_id
from destek.core.errors import ApplicationError, NotFound
from destek.core.pagination import keyset_page
from destek.hosting import sync
from destek.hosting.access import (
    access_customer_by_external_id,
    access_organization_by_external_id,
    access_service_by_external_id,
    check_integration_admin,
)
from destek.hosting.records import SyncReport
from destek.hosting.selectors import services_of

_TAGS = ["hosting"]
_SERVICES_SCOPE = "hosting-services"
# Customers and organizations are not kept per source; a customer's detach on delete removes
# the services of this source unless the request names another.
_DEFAULT_SOURCE = "api"
_EXTERNAL_ID = OpenApiParameter("external_id", str, OpenApiParameter.PATH,
                                description="The record's id in the billing system.")
_SOURCE = OpenApiParameter("source", str, OpenApiParameter.PATH,
                           description="The billing system: whmcs, blesta, csv, api…")


def _single(report: SyncReport, kind: str) -> bool:
    """Whether the one record was created; its error as a 400 otherwise."""
    if report.errors:
        raise ApplicationError(report.errors[0].message)
    return bool(report.created.get(kind))


def _saved(body: dict[str, Any], created: bool) -> Response:
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _deleted(report: SyncReport) -> Response:
    if not report.total("deleted") and not report.total("detached"):
        raise NotFound(_("Not found."))
    return Response(report_body(report), status=status.HTTP_200_OK)


class ServiceItemApi(ApiView):
    @extend_schema(operation_id="hosting_services_retrieve", tags=_TAGS,
                   summary="A service, by its billing system's id (administrators)",
                   parameters=[_SOURCE, _EXTERNAL_ID],
                   responses={200: HostingServiceSerializer, **error_responses(403, 404)})
    def get(self, request: Request, source: str, external_id: str) -> Response:
        found = access_service_by_external_id(actor=actor(request), source=source,
                                              external_id=external_id)
        return Response(HostingServiceSerializer(found).data)

    @extend_schema(operation_id="hosting_services_put", tags=_TAGS,
                   summary="Create or replace a service (administrators)",
                   description="Idempotent: the same body twice changes nothing the second "
                               "time. The owner (customer or organization) must exist.",
                   parameters=[_SOURCE, _EXTERNAL_ID], request=ServiceFields,
                   responses={200: HostingServiceSerializer, 201: HostingServiceSerializer,
                              **error_responses(400, 403, 404)})
    def put(self, request: Request, source: str, external_id: str) -> Response:
        check_integration_admin(actor=actor(request))
        params = ServiceFields(data=request.data)
        params.is_valid(raise_exception=True)
        record = service_record(params.validated_data, external_id=external_id)
        report = sync.apply(source=source, services=[record])
        created = _single(report, sync.SERVICE)
        found = access_service_by_external_id(actor=actor(request), source=source,
                                              external_id=record.external_id.strip())
        return _saved(HostingServiceSerializer(found).data, created)

    @extend_schema(operation_id="hosting_services_delete", tags=_TAGS,
                   summary="Delete a service (administrators)",
                   parameters=[_SOURCE, _EXTERNAL_ID],
                   responses={200: SyncReportSerializer, **error_responses(403, 404)})
    def delete(self, request: Request, source: str, external_id: str) -> Response:
        check_integration_admin(actor=actor(request))
        return _deleted(sync.delete(source=source, service_external_ids=[external_id]))


class CustomerItemApi(ApiView):
    @extend_schema(operation_id="hosting_customers_retrieve", tags=_TAGS,
                   summary="A customer, by their billing system's id (administrators)",
                   parameters=[_EXTERNAL_ID],
                   responses={200: HostingCustomerSerializer, **error_responses(403, 404)})
    def get(self, request: Request, external_id: str) -> Response:
        found = access_customer_by_external_id(actor=actor(request), external_id=external_id)
        return Response(HostingCustomerSerializer(found).data)

    @extend_schema(operation_id="hosting_customers_put", tags=_TAGS,
                   summary="Create or update a customer (administrators)",
                   description="Matched by external id, then by email address: a customer "
                               "who already wrote in keeps their tickets. New customers get "
                               "no password (they sign up or use the links in their emails).",
                   parameters=[_EXTERNAL_ID], request=CustomerFields,
                   responses={200: HostingCustomerSerializer, 201: HostingCustomerSerializer,
                              **error_responses(400, 403, 404)})
    def put(self, request: Request, external_id: str) -> Response:
        check_integration_admin(actor=actor(request))
        params = CustomerFields(data=request.data)
        params.is_valid(raise_exception=True)
        record = customer_record(params.validated_data, external_id=external_id)
        created = _single(sync.apply(source=_DEFAULT_SOURCE, customers=[record]),
                          sync.CUSTOMER)
        found = access_customer_by_external_id(actor=actor(request),
                                               external_id=record.external_id.strip())
        return _saved(HostingCustomerSerializer(found).data, created)

    @extend_schema(operation_id="hosting_customers_delete", tags=_TAGS,
                   summary="Delete a customer and their services (administrators)",
                   description="A customer who has tickets is kept: detached from the billing "
                               "system (external id cleared, the services of `source` removed); "
                               "the report's `detached` and `notices` say so.",
                   parameters=[_EXTERNAL_ID, OpenApiParameter(
                       "source", str, OpenApiParameter.QUERY, required=False,
                       description="Whose services a kept customer loses (default: api).")],
                   responses={200: SyncReportSerializer, **error_responses(403, 404)})
    def delete(self, request: Request, external_id: str) -> Response:
        check_integration_admin(actor=actor(request))
        source = request.query_params.get("source") or _DEFAULT_SOURCE
        return _deleted(sync.delete(source=source, customer_external_ids=[external_id]))


class OrganizationItemApi(ApiView):
    @extend_schema(operation_id="hosting_organizations_retrieve", tags=_TAGS,
                   summary="An organization, by its billing system's id (administrators)",
                   parameters=[_EXTERNAL_ID],
                   responses={200: HostingOrganizationSerializer, **error_responses(403, 404)})
    def get(self, request: Request, external_id: str) -> Response:
        found = access_organization_by_external_id(actor=actor(request),
                                                   external_id=external_id)
        return Response(HostingOrganizationSerializer(found).data)

    @extend_schema(operation_id="hosting_organizations_put", tags=_TAGS,
                   summary="Create or update an organization (administrators)",
                   parameters=[_EXTERNAL_ID], request=OrganizationFields,
                   responses={200: HostingOrganizationSerializer,
                              201: HostingOrganizationSerializer, **error_responses(400, 403, 404)})
    def put(self, request: Request, external_id: str) -> Response:
        check_integration_admin(actor=actor(request))
        params = OrganizationFields(data=request.data)
        params.is_valid(raise_exception=True)
        record = organization_record(params.validated_data, external_id=external_id)
        created = _single(sync.apply(source=_DEFAULT_SOURCE, organizations=[record]),
                          sync.ORGANIZATION)
        found = access_organization_by_external_id(actor=actor(request),
                                                   external_id=record.external_id.strip())
        return _saved(HostingOrganizationSerializer(found).data, created)

    @extend_schema(operation_id="hosting_organizations_delete", tags=_TAGS,
                   summary="Delete an organization and its services (administrators)",
                   description="Its people stay, without an organization.",
                   parameters=[_EXTERNAL_ID],
                   responses={200: SyncReportSerializer, **error_responses(403, 404)})
    def delete(self, request: Request, external_id: str) -> Response:
        check_integration_admin(actor=actor(request))
        return _deleted(sync.delete(source=_DEFAULT_SOURCE,
                                    organization_external_ids=[external_id]))


class _Refused(Exception):
    def __init__(self, report: SyncReport) -> None:
        super().__init__()
        self.report = report


class SyncApi(ApiView):
    parser_classes = [BulkJSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HostingSyncInput"

        source = serializers.CharField(max_length=32,  # type: ignore[assignment]
                                       help_text="The billing system: whmcs, blesta, api…")
        organizations = OrganizationInput(many=True, required=False, default=list)
        customers = CustomerInput(many=True, required=False, default=list)
        services = ServiceInput(many=True, required=False, default=list)
        delete = SyncDeleteInput(required=False, default=dict)
        all_or_nothing = serializers.BooleanField(
            required=False, default=False,
            help_text="Refuse the whole request (400, nothing written) if any record is bad; "
                      "by default bad records are reported and the rest applied.")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            gone = attrs.get("delete") or {}
            count = sum(len(attrs.get(k) or ()) for k in ("organizations", "customers",
                                                          "services"))
            count += sum(len(gone.get(k) or ()) for k in ("organizations", "customers",
                                                          "services"))
            if count > MAX_SYNC_RECORDS:
                raise serializers.ValidationError(
                    _("At most %(max)d records per request; send the rest in another one.")
                    % {"max": MAX_SYNC_RECORDS})
            return attrs

    @extend_schema(
        operation_id="hosting_sync", tags=_TAGS,
        summary="Apply many organizations, customers and services at once (administrators)",
        description=(
            f"Up to {MAX_SYNC_RECORDS:,} records. Organizations are applied first, then "
            "customers, then services, then the deletions. Each bad record is reported in "
            "`errors` with its list (`kind`) and position (`row`, from 0) and the rest are "
            "applied, unless `all_or_nothing` is set. Idempotent: the same request twice "
            "reports everything `unchanged` the second time."),
        request=InputSerializer,
        responses={200: SyncReportSerializer,
                   400: OpenApiResponse(description="Bad input; with `all_or_nothing`, the "
                                                    "refused records are in `error.errors`."),
                   **error_responses(403, 404, 413)},
    )
    def post(self, request: Request) -> Response:
        check_integration_admin(actor=actor(request))
        params = SyncApi.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        gone = data.get("delete") or {}
        try:
            with transaction.atomic():
                report = sync.apply(
                    source=data["source"],
                    organizations=[organization_record(o) for o in data["organizations"]],
                    customers=[customer_record(c) for c in data["customers"]],
                    services=[service_record(s) for s in data["services"]],
                    language=get_language())
                if any(gone.get(k) for k in ("services", "customers", "organizations")):
                    report.add(sync.delete(
                        source=data["source"],
                        service_external_ids=gone.get("services", []),
                        customer_external_ids=gone.get("customers", []),
                        organization_external_ids=gone.get("organizations", [])))
                if data["all_or_nothing"] and report.errors:
                    raise _Refused(report)
        except _Refused as refused:
            body = report_body(refused.report)
            message = _("%(count)d records were refused; nothing was written.") % {
                "count": len(refused.report.errors)}
            return Response({"error": {"code": "invalid", "message": message, "field": None,
                                       "errors": body["errors"]}},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(report_body(report))


class CustomerServicesApi(ApiView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HostingServicePage"

        results = HostingServiceSerializer(many=True)
        next = serializers.URLField(allow_null=True, help_text="The next page, or null.")

    class FilterSerializer(PageParams):
        class Meta:
            ref_name = "HostingServiceListFilters"

    @extend_schema(
        operation_id="hosting_customer_services", tags=_TAGS,
        summary="A customer's services, their own and their organization's (agents)",
        parameters=[OpenApiParameter("customer_id", int, OpenApiParameter.PATH),
                    FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, customer_id: int) -> Response:
        user = actor(request)
        if not user.is_agent:
            raise NotFound(_("Customer not found."))
        customer = access_customer_by_id(actor=user, customer_id=customer_id)
        params = CustomerServicesApi.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = keyset_page(services_of(customer), ordering=[("id", True)],
                           cursor=unsign_cursor(params.validated_data.get("cursor"),
                                                scope=_SERVICES_SCOPE),
                           limit=params.validated_data["limit"])
        results = HostingServiceSerializer(page.items, many=True).data
        return Response(page_body(results, next_link(request, page.next_cursor,
                                                     scope=_SERVICES_SCOPE)))

