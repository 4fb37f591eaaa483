"""Customers: agents list, search, read and add them; a customer reads their own record."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from destek.api.base import ApiView, actor, error_responses
from destek.api.pagination import PageParams, next_link, page_body, unsign_cursor
from destek.api.people import (
    access_customer_by_id,
    customer_create,
    customer_list,
)
from destek.api.serializers import CustomerSerializer
from destek.core.errors import NotFound

_SCOPE = "customers"


class CustomerListApi(ApiView):
    class FilterSerializer(PageParams):
        class Meta:
            ref_name = "CustomerListFilters"

        q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                  help_text="Part of the email, name or organization.")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CustomerPage"

        results = CustomerSerializer(many=True)
        next = serializers.URLField(allow_null=True, help_text="The next page, or null.")

    @extend_schema(
        operation_id="customers_list", tags=["customers"], summary="List customers (agents)",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = CustomerListApi.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        page = customer_list(actor=actor(request), search=data.get("q", ""),
                             cursor=unsign_cursor(data.get("cursor"), scope=_SCOPE),
                             limit=data["limit"])
        results = CustomerSerializer(page.items, many=True, context={"request": request}).data
        return Response(page_body(results, next_link(request, page.next_cursor, scope=_SCOPE)))


class CustomerCreateApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CustomerCreateInput"

        email = serializers.EmailField()
        full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        organization = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                             help_text="Organization name; created if new.")
        language = serializers.ChoiceField(choices=["en", "tr"], required=False, default="en")
        phone = serializers.CharField(required=False, allow_blank=True, max_length=40)

    @extend_schema(
        operation_id="customers_create", tags=["customers"], summary="Add a customer (agents)",
        request=InputSerializer,
        responses={201: CustomerSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        params = CustomerCreateApi.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        customer = customer_create(actor=actor(request), **params.validated_data)
        body = CustomerSerializer(customer, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class CustomerCollectionApi(CustomerListApi, CustomerCreateApi):
    # GET lists, POST adds: two operations on one URL.
    pass


class CustomerDetailApi(ApiView):
    @extend_schema(
        operation_id="customers_retrieve", tags=["customers"], summary="A customer",
        parameters=[OpenApiParameter("customer_id", int, OpenApiParameter.PATH)],
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request: Request, customer_id: int) -> Response:
        customer = access_customer_by_id(actor=actor(request), customer_id=customer_id)
        return Response(CustomerSerializer(customer, context={"request": request}).data)


class CustomerMeApi(ApiView):
    @extend_schema(
        operation_id="customers_me", tags=["customers"], summary="Your own customer record",
        responses={200: CustomerSerializer, **error_responses(404)},
    )
    def get(self, request: Request) -> Response:
        user = actor(request)
        if not user.is_customer:
            raise NotFound(_("You are not a customer."))
        customer = access_customer_by_id(actor=user, customer_id=user.pk)
        return Response(CustomerSerializer(customer, context={"request": request}).data)
