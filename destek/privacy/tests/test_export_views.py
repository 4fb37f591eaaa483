"""The export pages through HTTP: the portal's "Your data" and the desk's customer privacy
pages, in both languages; the status endpoint and the download behind one accessor, so
another customer, an agent or an outsourced agent gets 404 by any id or link."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from destek.accounts.models import User
from destek.audit.models import Action, AuditEvent
from destek.privacy.export_models import ExportJob, ExportStatus
from destek.privacy.export_services import export_request

pytestmark = pytest.mark.django_db

DATA = reverse("portal:data")
REQUEST = reverse("portal:export_request")
SEARCH = reverse("desk:privacy")


def speaking(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def finished_export(actor: User, customer: User, capture) -> ExportJob:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        job = export_request(actor=actor, customer=customer)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    return job


def links(job: ExportJob) -> list[str]:
    return [reverse("portal:export_status", args=[job.pk]),
            reverse("portal:export_download", args=[job.pk]),
            reverse("desk:privacy_export_status", args=[job.pk]),
            reverse("desk:privacy_export_download", args=[job.pk])]


@pytest.mark.parametrize(("language", "words", "absent"), [
    ("en", ["Your data", "Export my data", "No exports yet.", "ZIP file", "7 days"],
     "Verilerim"),
    ("tr", ["Verilerim", "Verilerimi dışa aktar", "Henüz dışa aktarım yok.", "ZIP dosyası",
            "7 gün"], "Your data"),
])
def test_the_portal_page_in_both_languages(customer, language, words, absent):
    text = speaking(customer, language).get(DATA).content.decode()
    for word in words:
        assert word in text, word
    assert absent not in text
    assert f'href="{DATA}"' in text  # linked from the navigation


def test_a_customer_requests_watches_and_downloads_their_export(
        customer, customer_data, django_capture_on_commit_callbacks):
    client = speaking(customer, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST, follow=True)
    assert "Your export is being prepared" in response.content.decode()
    job = ExportJob.objects.get()
    status = client.get(reverse("portal:export_status", args=[job.pk]))
    assert status["Cache-Control"] == "no-store"
    download_url = reverse("portal:export_download", args=[job.pk])
    assert status.json() == {"id": job.pk, "status": "done", "status_label": "Ready",
                             "percent": 100, "done": 3, "total": 3,
                             "download_url": download_url}
    page = client.get(DATA).content.decode()
    assert download_url in page and 'data-status="done"' in page
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "attachment;" in download["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "profile.json" in archive.namelist()
    event = AuditEvent.objects.get(action=Action.EXPORT_DOWNLOADED)
    assert event.actor == customer and event.detail == {"export": job.pk}


def test_a_second_request_while_one_runs_is_refused_clearly(customer):
    client = speaking(customer, "tr")
    client.post(REQUEST)  # its task waits for the commit, which this test never makes
    page = client.get(DATA).content.decode()
    assert 'data-testid="export-progress"' in page
    assert "disabled" in page.split('data-testid="export-request"')[1].split(">")[0]
    response = client.post(REQUEST, follow=True)
    assert "zaten hazırlanıyor" in response.content.decode()
    assert ExportJob.objects.count() == 1


def test_nobody_else_reaches_an_export(customer, other_customer, agent, outsourced,
                                       customer_data, django_capture_on_commit_callbacks):
    job = finished_export(customer, customer, django_capture_on_commit_callbacks)
    for person in (other_customer, agent, outsourced):
        client = speaking(person, "en")
        for url in links(job):
            assert client.get(url).status_code == 404, (person.email, url)
    anonymous = Client()
    for url in links(job):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action=Action.EXPORT_DOWNLOADED).exists()


def test_an_admin_reaches_every_export_and_a_customer_not_an_admins_export_of_them(
        admin, customer, django_capture_on_commit_callbacks):
    own = finished_export(customer, customer, django_capture_on_commit_callbacks)
    client = speaking(admin, "en")
    assert client.get(reverse("desk:privacy_export_download", args=[own.pk])).status_code == 200
    by_admin = finished_export(admin, customer, django_capture_on_commit_callbacks)
    assert client.get(reverse("desk:privacy_export_download",
                              args=[by_admin.pk])).status_code == 200
    customer_client = speaking(customer, "en")
    assert customer_client.get(reverse("portal:export_download",
                                       args=[by_admin.pk])).status_code == 404
    assert f'data-export-id="{by_admin.pk}"' not in customer_client.get(DATA).content.decode()


def test_an_expired_export_cannot_be_downloaded(customer, django_capture_on_commit_callbacks):
    job = finished_export(customer, customer, django_capture_on_commit_callbacks)
    client = speaking(customer, "en")
    url = reverse("portal:export_download", args=[job.pk])
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(url).status_code == 404  # even before the sweeper deleted the file


def test_staff_have_no_portal_data_page(agent):
    client = speaking(agent, "en")
    assert client.get(DATA).status_code == 302
    assert client.post(REQUEST).status_code == 404


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Customer privacy", "Export this customer's data", "Deniz Hosting Ltd"]),
    ("tr", ["Müşteri gizliliği", "Bu müşterinin verilerini dışa aktar", "Kuruluş"]),
])
def test_the_desk_customer_page_in_both_languages(admin, customer, customer_data, language,
                                                 words):
    client = speaking(admin, language)
    text = client.get(SEARCH, {"q": customer.email[:6]}).content.decode()
    page_url = reverse("desk:privacy_customer", args=[customer.pk])
    assert page_url in text and f'href="{SEARCH}"' in text  # found; linked from the nav
    text = client.get(page_url).content.decode()
    for word in words:
        assert word in text, word


def test_an_admin_exports_a_customer_from_the_desk(admin, customer, customer_data,
                                                   django_capture_on_commit_callbacks):
    client = speaking(admin, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("desk:privacy_export", args=[customer.pk]))
    page_url = reverse("desk:privacy_customer", args=[customer.pk])
    assert response.status_code == 302 and response["Location"] == page_url
    job = ExportJob.objects.get()
    assert job.requested_by == admin and job.customer == customer
    text = client.get(page_url).content.decode()
    assert reverse("desk:privacy_export_download", args=[job.pk]) in text
    assert "Ayla Admin" in text  # who asked


def test_the_desk_privacy_pages_are_for_admins_only(customer, agent, outsourced, admin):
    urls = [SEARCH, reverse("desk:privacy_customer", args=[customer.pk])]
    for person in (customer, agent, outsourced):
        client = speaking(person, "en")
        for url in urls:
            assert client.get(url).status_code == 404, (person.email, url)
        assert client.post(reverse("desk:privacy_export",
                                   args=[customer.pk])).status_code == 404
    assert not ExportJob.objects.exists()
    admin_client = speaking(admin, "en")
    # Staff accounts are not customers: no privacy page for them.
    assert admin_client.get(reverse("desk:privacy_customer", args=[agent.pk])).status_code \
        == 404
    assert f'href="{SEARCH}"' not in speaking(agent, "en").get(
        reverse("desk:queue")).content.decode()
