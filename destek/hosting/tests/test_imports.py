"""CSV import in the admin: upload checks, the preview (nothing written), the import in the
background with its progress, errors by line, and resuming a job whose worker died."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory, CustomerFactory
from destek.accounts.models import Organization, Role, User
from destek.core.errors import ApplicationError
from destek.hosting import imports
from destek.hosting.csv_rows import open_text, parse_amount, parse_date, records
from destek.hosting.models import CustomerValue, ImportJob, ImportState, Service

pytestmark = pytest.mark.django_db

HEADER = ("external_id;kind;plan;status;domain;server;ip_addresses;renews_on;billing_cycle;"
          "recurring_amount;currency;customer_external_id;customer_email;customer_name;"
          "organization_external_id;organization_name;attr_os\n")
GOOD = [
    "S1;vps;VPS 8;active;örnek.com.tr;node7;192.0.2.1 192.0.2.2;31.01.2027;Annually;"
    "1.200,50;TRY;C1;AYSE@ÖRNEK.COM.TR;Ayşe Yılmaz;O1;Örnek Bilişim A.Ş.;Debian 13\n",
    "S2;shared;Starter;active;ikinci.com.tr;web1;;2027-02-01;monthly;9.99;USD;C1;"
    "ayse@örnek.com.tr;Ayşe Yılmaz;O1;Örnek Bilişim A.Ş.;\n",
    "S3;domain;;active;ucuncu.com;;;;annually;12;usd;C2;ali@example.com;Ali;;;\n",
]
BAD = [
    "S4;spaceship;;active;x.com;;;;monthly;1;USD;C2;ali@example.com;Ali;;;\n",
    "S5;vps;;active;y.com;;;yesterday;monthly;1;USD;C2;ali@example.com;Ali;;;\n",
]


def csv_file(lines: list[str], *, bom: bool = True, name: str = "services.csv",
             header: str = HEADER) -> SimpleUploadedFile:
    text = header + "".join(lines)
    raw = ("\ufeff" if bom else "") + text
    return SimpleUploadedFile(name, raw.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def admin_user(db: None) -> User:
    return AgentFactory(role=Role.ADMIN, is_staff=True, is_superuser=True,
                        email="admin@support.example.com")


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def test_the_whole_flow_upload_preview_import_progress_errors(
        admin_client: Client, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    changelist = admin_client.get(reverse("admin:hosting_service_changelist"))
    assert reverse("admin:hosting_service_import").encode() in changelist.content

    upload = admin_client.post(reverse("admin:hosting_service_import"),
                               {"file": csv_file(GOOD + BAD), "source": "billing"})
    assert upload.status_code == 302, upload.content
    job = ImportJob.objects.get()
    assert (job.total, job.state) == (5, ImportState.UPLOADED)

    preview = admin_client.get(upload["Location"])
    html = preview.content.decode()
    assert "Örnek Bilişim A.Ş." in html and "spaceship" in html
    assert "is not a date" in html
    assert not Service.objects.exists() and not User.objects.filter(role="customer").exists()

    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly
        started = admin_client.post(upload["Location"], {"import": "1"})
    assert started.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.done == 5 and not job.file
    assert job.counts["created"] == {"organization": 1, "customer": 2, "service": 3}
    assert [e["line"] for e in job.errors] == [5, 6]

    ayse = User.objects.get(external_id="C1")
    assert (ayse.email, ayse.full_name, ayse.organization.name) == \
        ("ayse@örnek.com.tr", "Ayşe Yılmaz", "Örnek Bilişim A.Ş.")
    s1 = Service.objects.get(source="billing", external_id="S1")
    assert (s1.recurring_amount, s1.currency, s1.billing_cycle, s1.ip_addresses,
            s1.attributes, str(s1.renews_on)) == \
        (Decimal("1200.50"), "TRY", "annually", ["192.0.2.1", "192.0.2.2"], {"os": "Debian 13"},
         "2027-01-31")
    assert CustomerValue.objects.filter(organization=ayse.organization).exists()

    page = admin_client.get(started["Location"])
    assert b"<progress" in page.content and b"100" in page.content
    fragment = admin_client.get(started["Location"], HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in fragment.content  # finished: the polling stops

    errors = admin_client.get(reverse("admin:hosting_service_import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["5", "6"]
    assert "spaceship" in rows[1][3]


def test_the_same_file_twice_changes_nothing(admin_user: User) -> None:
    for _round in range(2):
        job = imports.import_upload(actor=admin_user, upload=csv_file(GOOD), source="csv")
        ImportJob.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
        job = imports.import_run(job_id=job.pk)
    assert job.counts["unchanged"] == {"organization": 1, "customer": 2, "service": 3}
    assert not job.counts.get("created") or not any(job.counts["created"].values())


def test_a_running_job_shows_its_progress_and_keeps_polling(admin_client: Client,
                                                            admin_user: User) -> None:
    job = imports.import_upload(actor=admin_user, upload=csv_file(GOOD + BAD), source="csv")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, done=2)
    url = reverse("admin:hosting_service_import_progress", args=[job.pk])
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="40"' in fragment and "hx-trigger" in fragment


def test_a_job_resumes_where_a_dead_worker_left_it(admin_user: User) -> None:
    job = imports.import_upload(actor=admin_user, upload=csv_file(GOOD), source="csv")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
    imports.import_run(job_id=job.pk, chunk_lines=2)  # all of it, two chunks
    Service.objects.all().delete()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, done=2)
    job.refresh_from_db()
    assert not job.file  # gone once done: a resumed job needs its file, so redo with one
    again = imports.import_upload(actor=admin_user, upload=csv_file(GOOD), source="csv")
    ImportJob.objects.filter(pk=again.pk).update(state=ImportState.RUNNING, done=2)
    imports.import_run(job_id=again.pk, chunk_lines=2)
    assert list(Service.objects.values_list("external_id", flat=True)) == ["S3"]


@pytest.mark.parametrize(("raw", "message"), [
    (b"\x00\x01\x02PK binary", "not a text file"),
    ("external_id,kind,customer_external_id\nS1,vps,Ç1\n".encode("cp1254"), "not UTF-8"),
    (b"external_id,kind,colour\n", "Unknown column"),
    (b"external_id,plan\nS1,x\n", "Missing columns"),
    (b"external_id,kind,customer_external_id\n", "no lines"),
])
def test_uploads_are_checked(admin_user: User, raw: bytes, message: str) -> None:
    with pytest.raises(ApplicationError, match=message):
        imports.import_upload(actor=admin_user,
                              upload=SimpleUploadedFile("x.csv", raw), source="csv")
    assert not ImportJob.objects.exists()


def test_an_upload_too_large_is_refused(admin_user: User, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(ApplicationError, match="larger than"):
        imports.import_upload(actor=admin_user, upload=csv_file(GOOD), source="csv")


def test_commas_and_no_bom_work_too(admin_user: User) -> None:
    header = "external_id,kind,customer_external_id,customer_email,recurring_amount\n"
    job = imports.import_upload(actor=admin_user, source="csv", upload=csv_file(
        ['S1,vps,C1,c1@example.com,"1,234.50"\n'], bom=False, header=header))
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.QUEUED)
    imports.import_run(job_id=job.pk)
    assert Service.objects.get().recurring_amount == Decimal("1234.50")


def test_cancel_writes_nothing_and_drops_the_file(admin_client: Client) -> None:
    upload = admin_client.post(reverse("admin:hosting_service_import"),
                               {"file": csv_file(GOOD), "source": "csv"})
    admin_client.post(upload["Location"], {"cancel": "1"})
    job = ImportJob.objects.get()
    assert job.state == ImportState.CANCELLED and not job.file
    assert not Service.objects.exists()


def test_a_bad_upload_shows_the_reason_on_the_form(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:hosting_service_import"),
                                 {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"),
                                  "source": "csv"})
    assert response.status_code == 200 and b"Unknown column" in response.content


def test_pages_are_translated(admin_client: Client, admin_user: User) -> None:
    admin_user.language = "tr"
    admin_user.save()
    response = admin_client.get(reverse("admin:hosting_service_import"),
                                HTTP_ACCEPT_LANGUAGE="tr")
    assert "CSV dosyasından hizmet içe aktar" in response.content.decode()


def test_only_staff_who_may_add_services_import(client: Client) -> None:
    agent = AgentFactory(is_staff=True)
    client.force_login(agent)
    # The admin is for superusers only (issue 16): anyone else gets 404.
    assert client.get(reverse("admin:hosting_service_import")).status_code == 404
    customer = CustomerFactory()
    client.force_login(customer)
    assert client.get(reverse("admin:hosting_service_import")).status_code == 404
    client.logout()
    assert client.get(reverse("admin:hosting_service_import")).status_code == 302  # login


def test_cells_are_read_the_way_spreadsheets_write_them() -> None:
    assert parse_amount("1.234,56") == Decimal("1234.56")
    assert parse_amount("1,234.56") == Decimal("1234.56")
    assert parse_amount("12,5") == Decimal("12.5")
    assert parse_amount("") == Decimal("0")
    assert parse_date("0000-00-00") is None
    assert str(parse_date("31.01.2027")) == "2027-01-31"
    assert str(parse_date("2027-01-31 00:00:00")) == "2027-01-31"
    chunk = records(open_text(HEADER + "".join(GOOD)).rows)
    assert [c.external_id for c in chunk.customers] == ["C1", "C2"]  # each owner once
    assert chunk.customer_lines == [2, 4] and chunk.service_lines == [2, 3, 4]
    assert Organization.objects.count() == 0
