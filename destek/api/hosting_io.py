"""Hosting data on the wire: the records integrations send, and what the API answers.

Inputs check only shapes (a date is a date, a list a list); what the values mean (a known
kind, an owner that exists, a domain that parses) is checked once, by `hosting.sync`, so the
API, the CSV import and the WHMCS sync refuse the same things with the same messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from destek.accounts.models import Organization, User
from destek.hosting.models import BillingCycle, ControlPanel, ServiceKind, ServiceStatus
from destek.hosting.records import (
    CustomerRecord,
    OrganizationRecord,
    RowError,
    ServiceRecord,
    SyncReport,
)

MAX_SYNC_RECORDS = 5000


def _choices(values: list[str]) -> str:
    return "One of: " + ", ".join(v for v in values if v) + "."


class OrganizationFields(serializers.Serializer):
    class Meta:
        ref_name = "HostingOrganizationFields"

    name = serializers.CharField(max_length=200)
    is_reseller = serializers.BooleanField(required=False, default=False)
    reseller_external_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="",
        help_text="The reseller this organization is an end customer of.")


class OrganizationInput(OrganizationFields):
    class Meta:
        ref_name = "HostingOrganizationInput"

    external_id = serializers.CharField(max_length=64)


class CustomerFields(serializers.Serializer):
    class Meta:
        ref_name = "HostingCustomerFields"

    email = serializers.CharField(max_length=254)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                      default="", help_text="Empty: left as it is.")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                  help_text="Empty: left as it is.")
    language = serializers.CharField(required=False, allow_blank=True, max_length=8, default="",
                                     help_text="en or tr; empty: left as it is.")
    organization_external_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="",
        help_text="Empty: removed from the billing system's organization, if in one.")


class CustomerInput(CustomerFields):
    class Meta:
        ref_name = "HostingCustomerInput"

    external_id = serializers.CharField(max_length=64)


class ServiceFields(serializers.Serializer):
    class Meta:
        ref_name = "HostingServiceFields"

    kind = serializers.CharField(max_length=32, help_text=_choices(ServiceKind.values))
    customer_external_id = serializers.CharField(required=False, allow_blank=True,
                                                 max_length=64, default="")
    organization_external_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="",
        help_text="Give the owning customer, organization, or both.")
    plan = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    status = serializers.CharField(required=False, max_length=32, default="active",
                                   help_text=_choices(ServiceStatus.values))
    domain = serializers.CharField(required=False, allow_blank=True, max_length=253,
                                   default="")
    server = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    datacenter = serializers.CharField(required=False, allow_blank=True, max_length=120,
                                       default="")
    ip_addresses = serializers.ListField(child=serializers.CharField(max_length=64),
                                         required=False, max_length=64, default=list)
    control_panel = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                          default="", help_text=_choices(ControlPanel.values))
    control_panel_url = serializers.CharField(required=False, allow_blank=True,
                                              max_length=300, default="")
    started_on = serializers.DateField(required=False, allow_null=True, default=None)
    renews_on = serializers.DateField(required=False, allow_null=True, default=None)
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    billing_cycle = serializers.CharField(required=False, max_length=32, default="monthly",
                                          help_text=_choices(BillingCycle.values))
    recurring_amount = serializers.DecimalField(max_digits=20, decimal_places=6,
                                                required=False, default=Decimal("0"),
                                                coerce_to_string=False)
    currency = serializers.CharField(required=False, max_length=8, default="USD",
                                     help_text="ISO 4217 code: USD, EUR, TRY…")
    attributes = serializers.DictField(required=False, default=dict,
                                       help_text="Anything else, as names and values.")


class ServiceInput(ServiceFields):
    class Meta:
        ref_name = "HostingServiceInput"

    external_id = serializers.CharField(max_length=64)


def organization_record(data: dict[str, Any], *, external_id: str | None = None
                        ) -> OrganizationRecord:
    return OrganizationRecord(external_id=external_id or data["external_id"], name=data["name"],
                              is_reseller=data["is_reseller"],
                              reseller_external_id=data["reseller_external_id"])


def customer_record(data: dict[str, Any], *, external_id: str | None = None) -> CustomerRecord:
    return CustomerRecord(external_id=external_id or data["external_id"], email=data["email"],
                          full_name=data["full_name"], phone=data["phone"],
                          language=data["language"],
                          organization_external_id=data["organization_external_id"])


def service_record(data: dict[str, Any], *, external_id: str | None = None) -> ServiceRecord:
    fields = {k: v for k, v in data.items() if k != "external_id"}
    fields["ip_addresses"] = tuple(fields["ip_addresses"])
    return ServiceRecord(external_id=external_id or data["external_id"], **fields)


class SyncDeleteInput(serializers.Serializer):
    class Meta:
        ref_name = "HostingSyncDelete"

    services = serializers.ListField(child=serializers.CharField(max_length=64), required=False,
                                     default=list, max_length=MAX_SYNC_RECORDS,
                                     help_text="External ids of this source's services.")
    customers = serializers.ListField(child=serializers.CharField(max_length=64),
                                      required=False, default=list,
                                      max_length=MAX_SYNC_RECORDS)
    organizations = serializers.ListField(child=serializers.CharField(max_length=64),
                                          required=False, default=list,
                                          max_length=MAX_SYNC_RECORDS)


# Outputs ------------------------------------------------------------------------------------

class HostingOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    is_reseller = serializers.BooleanField()
    reseller_external_id = serializers.SerializerMethodField()

    def get_reseller_external_id(self, org: Organization) -> str:
        return org.reseller.external_id if org.reseller is not None else ""


class HostingCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    email = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    language = serializers.CharField()
    organization_external_id = serializers.SerializerMethodField()

    def get_organization_external_id(self, user: User) -> str:
        return user.organization.external_id if user.organization is not None else ""


class HostingServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # Declared fields are moved off the class by DRF's metaclass: no shadowing at run time.
    source = serializers.CharField()  # type: ignore[assignment]
    external_id = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    organization = serializers.IntegerField(source="organization_id", allow_null=True)
    kind = serializers.CharField()
    plan = serializers.CharField()
    status = serializers.CharField()
    domain = serializers.CharField()
    server = serializers.CharField()
    datacenter = serializers.CharField()
    ip_addresses = serializers.ListField(child=serializers.CharField())
    control_panel = serializers.CharField()
    control_panel_url = serializers.CharField()
    started_on = serializers.DateField(allow_null=True)
    renews_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    billing_cycle = serializers.CharField()
    recurring_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    attributes = serializers.DictField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "HostingService"


class RowErrorSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="organization, customer or service")
    external_id = serializers.CharField()
    row = serializers.IntegerField(allow_null=True,
                                   help_text="Position in its list in the request, from 0.")
    message = serializers.CharField()


class SyncReportSerializer(serializers.Serializer):
    created = serializers.DictField(child=serializers.IntegerField())
    updated = serializers.DictField(child=serializers.IntegerField())
    unchanged = serializers.DictField(child=serializers.IntegerField())
    deleted = serializers.DictField(child=serializers.IntegerField())
    detached = serializers.DictField(child=serializers.IntegerField(),
                                     help_text="Customers kept (they have tickets) but "
                                               "detached from the billing system.")
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]  # (as `source`)
    notices = RowErrorSerializer(many=True)


def report_body(report: SyncReport) -> dict[str, Any]:
    def rows(items: list[RowError]) -> list[dict[str, Any]]:
        return [{"kind": e.kind, "external_id": e.external_id, "row": e.row,
                 "message": e.message} for e in items]

    return {"created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "deleted": report.deleted,
            "detached": report.detached, "errors": rows(report.errors),
            "notices": rows(report.notices)}
