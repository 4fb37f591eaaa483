"""The public status page, an incident's page, the feed, the summary JSON and the badge:
no sign-in, published incidents and public components only, cacheable, a fixed number of
queries, both languages."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from destek.status.factories import ComponentFactory, ComponentGroupFactory
from destek.status.models import Component, ComponentStatus, Incident, IncidentKind, IncidentState
from destek.status.public_views import forget_status_page
from destek.status.services import IncidentDraft, incident_create, incident_post_update

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _own_cache_keys(settings) -> None:  # type: ignore[no-untyped-def]
    """Each test its own cache keys (the page's data, the rate limits' counters): the xdist
    workers of a PostgreSQL run share one Redis database."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


def declare(*components: Component, title: str = "Web-07 is down", publish: bool = True,
            status: str = ComponentStatus.MAJOR_OUTAGE, **extra: object) -> Incident:
    return incident_create(actor=None, publish=publish, draft=IncidentDraft(
        title=title, title_tr=f"TR {title}", body=f"Looking into {title}",
        body_tr=f"İnceliyoruz: {title}", components=list(components), component_status=status,
        **extra))  # type: ignore[arg-type]


def test_the_page_shows_the_worst_status_groups_and_active_incidents(client: Client) -> None:
    hosting = ComponentGroupFactory(name="Shared hosting", name_tr="Paylaşımlı barındırma")
    web07 = ComponentFactory(group=hosting, slug="web-07", name="Web-07")
    ComponentFactory(group=hosting, slug="web-08", name="Web-08")
    ComponentFactory(slug="secret", name="Internal backbone", is_public=False,
                     status=ComponentStatus.MAJOR_OUTAGE)
    incident = declare(web07, status=ComponentStatus.PARTIAL_OUTAGE)
    draft = declare(web07, title="Draft only agents see", publish=False,
                    status=ComponentStatus.MAJOR_OUTAGE)

    response = client.get(reverse("status:page"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="status-banner" data-status="partial_outage"' in html
    assert "Shared hosting" in html and "Web-07" in html and "Web-08" in html
    assert "Internal backbone" not in html  # not public
    assert "Web-07 is down" in html and "Looking into Web-07 is down" in html
    assert reverse("status:incident", args=[incident.pk]) in html
    assert "Draft only agents see" not in html
    assert reverse("status:incident", args=[draft.pk]) not in html
    # Browsers may keep it (not shared caches: it carries the visitor's CSRF cookie).
    assert response["Cache-Control"] == "private, max-age=30"
    assert response["ETag"]
    # 90 cells a component, each with its title text, and an accessible summary.
    assert html.count('data-testid="uptime-bar"') == 2
    assert 'aria-label="Uptime over the last 90 days' in html


def test_a_draft_incident_is_never_public(client: Client) -> None:
    web07 = ComponentFactory(slug="web-07")
    draft = declare(web07, title="Draft only agents see", publish=False)

    assert client.get(reverse("status:incident", args=[draft.pk])).status_code == 404
    feed = client.get(reverse("status:feed")).content.decode()
    summary = client.get(reverse("status:summary")).json()
    assert "Draft only agents see" not in feed
    assert summary["incidents"] == [] and summary["status"]["indicator"] == "operational"
    assert "Draft only agents see" not in client.get(reverse("status:page")).content.decode()


def test_the_page_reads_a_fixed_number_of_queries_and_then_its_cache(
        client: Client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    group = ComponentGroupFactory()
    first = ComponentFactory(group=group)
    declare(first)
    client.get(reverse("status:page"))  # the first visit of the process: sessions, brand…
    forget_status_page()
    with django_assert_num_queries(5):  # components, spans, incidents + components + updates
        client.get(reverse("status:page"))

    for n in range(6):
        component = ComponentFactory(group=ComponentGroupFactory() if n % 2 else group)
        incident = declare(component, title=f"Incident {n}")
        incident_post_update(actor=None, incident=incident, state=IncidentState.IDENTIFIED,
                             body="Found it")
        if n % 3 == 0:
            incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                                 body="Fixed")
    declare(ComponentFactory(), title="Reboot", kind=IncidentKind.MAINTENANCE,
            scheduled_start=timezone.now() + timedelta(days=1),
            scheduled_end=timezone.now() + timedelta(days=1, hours=2))
    forget_status_page()
    with django_assert_num_queries(5):
        response = client.get(reverse("status:page"))
    assert response.content.decode().count('data-testid="uptime-bar"') == 8
    with django_assert_num_queries(0):  # cached for the next visitors
        client.get(reverse("status:page"))


def test_a_client_that_has_the_page_gets_304(client: Client) -> None:
    ComponentFactory()
    first = client.get(reverse("status:page"))
    again = client.get(reverse("status:page"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_signed_in_visitors_pages_are_private_and_dates_in_their_zone(
        client: Client, customer) -> None:  # type: ignore[no-untyped-def]
    customer.time_zone = "America/New_York"
    customer.save(update_fields=["time_zone"])
    component = ComponentFactory()
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    declare(component, title="Network upgrade", kind=IncidentKind.MAINTENANCE,
            scheduled_start=start, scheduled_end=start + timedelta(hours=2))
    client.force_login(customer)
    response = client.get(reverse("status:page"))
    html = response.content.decode()
    assert response["Cache-Control"].startswith("private")
    assert 'data-testid="maintenance-window"' in html and "(America/New_York)" in html
    local = timezone.localtime(start, timezone=__import__("zoneinfo").ZoneInfo(
        "America/New_York"))
    assert local.isoformat() in html


def test_turkish_visitors_read_it_in_turkish(client: Client) -> None:
    component = ComponentFactory(name="Email", name_tr="E-posta sunucusu")
    declare(component, title="Mail delays")
    html = client.get(reverse("status:page"), HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "TR Mail delays" in html and "İnceliyoruz: Mail delays" in html
    assert "E-posta sunucusu" in html and "Etkin olaylar" in html
    assert "Büyük kesinti" in html

    forget_status_page()
    ComponentFactory(name="DNS")
    resolved = Component.objects.get(name="Email")
    for incident in resolved.incidents.all():
        incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                             body="Fixed", body_tr="Düzeldi")
    html = client.get(reverse("status:page"), HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Tüm sistemler çalışıyor" in html


def test_past_incidents_are_those_of_the_last_14_days(client: Client) -> None:
    component = ComponentFactory()
    recent = declare(component, title="Recent one")
    incident_post_update(actor=None, incident=recent, state=IncidentState.RESOLVED,
                         body="Fixed", at=timezone.now() - timedelta(days=3))
    old = declare(component, title="Old one")
    incident_post_update(actor=None, incident=old, state=IncidentState.RESOLVED, body="Fixed",
                         at=timezone.now() - timedelta(days=20))
    html = client.get(reverse("status:page")).content.decode()
    assert f'data-testid="status-past-{recent.pk}"' in html
    assert "Old one" not in html
    assert client.get(reverse("status:incident", args=[old.pk])).status_code == 200


def test_the_incident_page_shows_the_whole_timeline_and_the_post_mortem(client: Client) -> None:
    component = ComponentFactory(name="VPS node ist-3")
    incident = declare(component, title="ist-3 disk failure",
                       postmortem_url="https://blog.example.com/ist-3")
    incident_post_update(actor=None, incident=incident, state=IncidentState.IDENTIFIED,
                         body="A failed disk", body_tr="Arızalı disk")
    incident_post_update(actor=None, incident=incident, state=IncidentState.RESOLVED,
                         body="Replaced")
    response = client.get(reverse("status:incident", args=[incident.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="status-update"') == 3
    assert html.index("Replaced") < html.index("A failed disk") < html.index("Looking into")
    assert 'href="https://blog.example.com/ist-3"' in html
    assert "VPS node ist-3" in html
    tr = client.get(reverse("status:incident", args=[incident.pk]),
                    HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Arızalı disk" in tr and "Çözüldü" in tr


def test_the_atom_feed_lists_updates_by_component_and_language(client: Client) -> None:
    web07 = ComponentFactory(slug="web-07")
    dns = ComponentFactory(slug="dns")
    declare(web07, title="Web down")
    on_dns = declare(dns, title="DNS slow")
    incident_post_update(actor=None, incident=on_dns, state=IncidentState.IDENTIFIED,
                         body="Resolver overloaded", body_tr="Çözümleyici aşırı yüklü")

    response = client.get(reverse("status:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(  # noqa: S314 -- our own response
        response.content).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "DNS slow — Identified", "DNS slow — Investigating", "Web down — Investigating"]

    only_dns = ElementTree.fromstring(  # noqa: S314 -- our own response
        client.get(reverse("status:feed"),
                                                 {"component": "dns"}).content)
    assert len(only_dns.findall(f"{ATOM}entry")) == 2
    assert client.get(reverse("status:feed"), {"component": "nope"}).status_code == 404

    tr = ElementTree.fromstring(  # noqa: S314 -- our own response
        client.get(reverse("status:feed"), {"lang": "tr"}).content)
    first = tr.findall(f"{ATOM}entry")[0]
    assert first.findtext(f"{ATOM}title") == "TR DNS slow — Sorun belirlendi"
    assert "Çözümleyici aşırı yüklü" in (first.findtext(f"{ATOM}summary") or "")
    by_header = client.get(reverse("status:feed"), HTTP_ACCEPT_LANGUAGE="tr")
    assert by_header["Content-Language"] == "tr"


def test_the_summary_json_has_its_documented_shape_and_allows_any_origin(
        client: Client) -> None:
    group = ComponentGroupFactory(name="Network")
    web07 = ComponentFactory(slug="web-07", name="Web-07", group=group)
    ComponentFactory(slug="hidden", is_public=False)
    incident = declare(web07, title="Web down")
    response = client.get(reverse("status:summary"))
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=30"
    assert not response.cookies  # nothing personal for a shared cache to keep
    data = json.loads(response.content)
    assert data["version"] == 1
    assert data["status"] == {"indicator": "major_outage", "description": "Major outage"}
    assert [c["slug"] for c in data["components"]] == ["web-07"]
    assert data["components"][0]["group"] == "Network"
    assert data["components"][0]["status"] == "major_outage"
    assert data["incidents"][0]["id"] == incident.pk
    assert data["incidents"][0]["components"] == ["web-07"]
    assert data["incidents"][0]["latest_update"]["body"] == "Looking into Web down"
    assert data["incidents"][0]["url"].endswith(reverse("status:incident", args=[incident.pk]))
    assert data["maintenance"] == []
    tr = client.get(reverse("status:summary"), {"lang": "tr"}).json()
    assert tr["status"]["description"] == "Büyük kesinti"
    assert tr["incidents"][0]["title"] == "TR Web down"


def test_the_badge_is_coloured_by_the_overall_or_a_components_status(client: Client) -> None:
    web07 = ComponentFactory(slug="web-07", name="Web-07")
    ComponentFactory(slug="dns", name="DNS")
    response = client.get(reverse("status:badge"))
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Access-Control-Allow-Origin"] == "*"
    svg = response.content.decode()
    assert "status: operational" in svg and "#2e8540" in svg
    ElementTree.fromstring(  # noqa: S314 -- our own response
        response.content)  # well-formed

    forget_status_page()
    declare(web07)
    assert "#c62828" in client.get(reverse("status:badge")).content.decode()
    dns = client.get(reverse("status:badge"), {"component": "dns"}).content.decode()
    assert "DNS: operational" in dns
    assert "Web-07: major outage" in client.get(reverse("status:badge"),
                                                {"component": "web-07"}).content.decode()
    tr = client.get(reverse("status:badge"), {"lang": "tr"}).content.decode()
    assert "durum: büyük kesinti" in tr


def test_the_navbar_links_to_the_status_page(client: Client) -> None:
    html = client.get(reverse("kb:index")).content.decode()
    assert f'href="{reverse("status:page")}" data-testid="nav-status"' in html
