"""The API, versioned under /api/v1/, with its OpenAPI schema and docs page.

Each API class does one operation. Where REST puts two operations on one URL (GET and POST on
a collection, GET and PATCH on an item), the URL's view combines the operation classes.
"""

from __future__ import annotations

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from destek.api.attachments import AttachmentDownloadApi
from destek.api.customers import CustomerCollectionApi, CustomerDetailApi, CustomerMeApi
from destek.api.hosting import (
    CustomerItemApi,
    CustomerServicesApi,
    OrganizationItemApi,
    ServiceItemApi,
    SyncApi,
)
from destek.api.replies import TicketReplyApi
from destek.api.tickets_read import TicketDetailApi, TicketListApi
from destek.api.tickets_write import TicketCreateApi, TicketUpdateApi
from destek.api.tokens import TokenMeApi, TokenObtainApi

app_name = "api"


class TicketCollectionApi(TicketListApi, TicketCreateApi):
    # GET lists, POST opens (the docstring would become both operations' description).
    pass


class TicketItemApi(TicketDetailApi, TicketUpdateApi):
    # GET reads, PATCH changes.
    pass


v1 = [
    path("tickets/", TicketCollectionApi.as_view(), name="ticket-list"),
    path("tickets/<int:ticket_id>/", TicketItemApi.as_view(), name="ticket-detail"),
    path("tickets/<int:ticket_id>/replies/", TicketReplyApi.as_view(), name="ticket-replies"),
    path("attachments/<int:attachment_id>/", AttachmentDownloadApi.as_view(),
         name="attachment-download"),
    path("customers/", CustomerCollectionApi.as_view(), name="customer-list"),
    path("customers/me/", CustomerMeApi.as_view(), name="customer-me"),
    path("customers/<int:customer_id>/", CustomerDetailApi.as_view(), name="customer-detail"),
    path("hosting/sync/", SyncApi.as_view(), name="hosting-sync"),
    path("hosting/services/<str:source>/<str:external_id>/", ServiceItemApi.as_view(),
         name="hosting-service"),
    path("hosting/customers/<int:customer_id>/services/", CustomerServicesApi.as_view(),
         name="hosting-customer-services"),
    path("hosting/customers/<str:external_id>/", CustomerItemApi.as_view(),
         name="hosting-customer"),
    path("hosting/organizations/<str:external_id>/", OrganizationItemApi.as_view(),
         name="hosting-organization"),
    path("auth/token/", TokenObtainApi.as_view(), name="token-obtain"),
    path("auth/token/me/", TokenMeApi.as_view(), name="token-me"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("v1/kb/", include("destek.kb.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # ReDoc's bundle shows its logo from its makers' CDN and writes styles without the CSP
    # nonce: the one docs page is Swagger UI, served entirely from Destek (issue 12).
    path("redoc/", RedirectView.as_view(pattern_name="api:docs"), name="redoc"),
]
