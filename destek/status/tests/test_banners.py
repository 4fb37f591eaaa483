"""The "we know about this" banner on the portal's new-ticket form and in the chat widget."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.accounts.factories import CustomerFactory
from destek.conftest import login
from destek.hosting.factories import ServiceFactory
from destek.status.factories import ComponentFactory
from destek.status.models import Incident, IncidentState
from destek.status.services import IncidentDraft, incident_create, incident_post_update

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example"


def declare(*, publish: bool = True) -> Incident:
    component = ComponentFactory(servers=["web-07"])
    return incident_create(actor=None, publish=publish, draft=IncidentDraft(
        title="Web-07 is down", title_tr="Web-07 çalışmıyor", body="Disks are being replaced.",
        body_tr="Diskler değiştiriliyor.", components=[component]))


@pytest.fixture
def affected_client():  # type: ignore[no-untyped-def]
    person = CustomerFactory(language="tr")
    ServiceFactory(customer=person, server="web-07")
    return login(Client(), person)


def new_ticket_page(client: Client, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("portal:ticket_new"), headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode()


def test_the_new_ticket_form_tells_affected_customers_only(
        affected_client, customer_client) -> None:
    incident = declare()
    page = new_ticket_page(affected_client)
    assert f'data-testid="incident-banner-{incident.pk}"' in page
    assert "Web-07 is down" in page and "Disks are being replaced." in page
    assert f'href="/status/incidents/{incident.pk}/"' in page
    assert "We know about this." in page and "Follow it here" in page
    assert "incident-banner-" not in new_ticket_page(customer_client)  # not on web-07

    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Fixed.")
    assert "incident-banner-" not in new_ticket_page(affected_client)


def test_the_banner_speaks_turkish_and_escapes_what_agents_wrote(affected_client) -> None:
    incident = declare()
    Incident.objects.filter(pk=incident.pk).update(title_tr="<script>alert(1)</script> web-07")
    from destek.status import links

    links.forget_active()
    page = new_ticket_page(affected_client, "tr")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; web-07" in page
    assert "Diskler değiştiriliyor." in page and "Bunun farkındayız." in page


def test_a_draft_shows_no_banner(affected_client) -> None:
    declare(publish=False)
    assert "incident-banner-" not in new_ticket_page(affected_client)


def test_nothing_open_costs_the_new_ticket_form_no_query(affected_client) -> None:
    new_ticket_page(affected_client)
    with CaptureQueriesContext(connection) as quiet:
        new_ticket_page(affected_client)
    declare()
    new_ticket_page(affected_client)
    with CaptureQueriesContext(connection) as busy:
        page = new_ticket_page(affected_client)
    assert "incident-banner-" in page
    # An affected customer: their services, the named members, the incidents with their
    # latest update (the open incidents themselves come from the cache).
    assert len(busy.captured_queries) == len(quiet.captured_queries) + 3


def test_the_chat_widget_tells_an_identified_customer_and_no_anonymous_visitor(
        settings, affected_client) -> None:
    settings.DESTEK_CHAT_ALLOWED_ORIGINS = [SHOP]
    incident = declare()
    data = affected_client.get("/chat/api/config?lang=tr").json()
    [banner] = data["incidents"]
    assert banner["id"] == incident.pk and banner["title"] == "Web-07 çalışmıyor"
    assert banner["url"] == f"/status/incidents/{incident.pk}/"
    assert data["strings"]["incident_known"] == "Bunun farkındayız."
    # The same person seen from another website is anonymous: no banner.
    assert affected_client.get("/chat/api/config", headers={"Origin": SHOP}) \
        .json()["incidents"] == []
    assert Client().get("/chat/api/config").json()["incidents"] == []
