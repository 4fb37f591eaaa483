"""Exports in the background: requested, run by the Celery task (eager, as the suite runs
tasks), progress written, the file stored, the requester emailed; one at a time per
customer; files deleted when they expire; lost jobs started again; runs twice harmlessly."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from destek.audit.models import Action, AuditEvent
from destek.core.errors import ApplicationError, NotFound
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.privacy import export_jobs
from destek.privacy.export_models import ExportJob, ExportStatus
from destek.privacy.export_services import export_request
from destek.privacy.export_tasks import export_run, export_sweep

pytestmark = pytest.mark.django_db


def request_and_run(actor, customer, django_capture_on_commit_callbacks) -> ExportJob:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(actor=actor, customer=customer)
    job.refresh_from_db()
    return job


def test_a_requested_export_runs_in_the_background_and_emails_a_link(
        customer, customer_data, django_capture_on_commit_callbacks, settings):
    settings.BASE_URL = "https://support.example.com"
    before = timezone.now()
    job = request_and_run(customer, customer, django_capture_on_commit_callbacks)
    assert job.status == ExportStatus.DONE
    assert job.progress_total == 3 and job.progress_done == 3  # profile, 1 ticket, 1 chat
    assert job.percent == 100
    assert job.requested_by == customer
    assert job.expires_at is not None
    assert timedelta(days=7) <= job.expires_at - before < timedelta(days=7, minutes=5)
    with job.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert "tickets.json" in archive.namelist()
    assert job.size == job.file.size

    event = AuditEvent.objects.get(action=Action.EXPORT_REQUESTED)
    assert event.actor == customer and event.target == f"user:{customer.pk}"
    assert event.detail == {"export": job.pk}

    render_outbox()
    mail = OutboundEmail.objects.get(kind="export_ready")
    assert mail.recipients == [customer.email]
    # In the customer's language (Turkish), with the portal's download link.
    assert mail.subject == "Veri dışa aktarımınız hazır"
    assert f"https://support.example.com/portal/data/exports/{job.pk}/download/" in \
        mail.body_text


def test_an_admins_export_emails_the_admin_a_desk_link(
        admin, customer, customer_data, django_capture_on_commit_callbacks):
    job = request_and_run(admin, customer, django_capture_on_commit_callbacks)
    assert job.status == ExportStatus.DONE and job.requested_by == admin
    render_outbox()
    mail = OutboundEmail.objects.get(kind="export_ready")
    assert mail.recipients == [admin.email]
    assert mail.subject == "Your data export is ready"
    assert f"/desk/privacy/exports/{job.pk}/download/" in mail.body_text
    assert customer.email in mail.body_text
    event = AuditEvent.objects.get(action=Action.EXPORT_REQUESTED)
    assert event.actor == admin and event.target == f"user:{customer.pk}"


def test_only_the_customer_or_an_admin_may_ask(customer, other_customer, agent, outsourced):
    for actor in (other_customer, agent, outsourced):
        with pytest.raises(NotFound):
            export_request(actor=actor, customer=customer)
    with pytest.raises(NotFound):  # staff accounts have no customer export
        export_request(actor=agent, customer=agent)
    assert not ExportJob.objects.exists()


def test_one_export_in_preparation_per_customer(customer, admin):
    export_request(actor=customer, customer=customer)  # not committed: stays queued
    with pytest.raises(ApplicationError) as refused:
        export_request(actor=customer, customer=customer)
    assert "already being prepared" in refused.value.message
    with pytest.raises(ApplicationError):  # whoever asks
        export_request(actor=admin, customer=customer)
    assert ExportJob.objects.count() == 1


def test_another_export_may_be_asked_once_the_first_is_done(
        customer, django_capture_on_commit_callbacks):
    request_and_run(customer, customer, django_capture_on_commit_callbacks)
    second = request_and_run(customer, customer, django_capture_on_commit_callbacks)
    assert second.status == ExportStatus.DONE
    assert ExportJob.objects.filter(status=ExportStatus.DONE).count() == 2


def test_running_the_task_twice_changes_nothing(customer, django_capture_on_commit_callbacks):
    job = request_and_run(customer, customer, django_capture_on_commit_callbacks)
    name = job.file.name
    assert export_run.delay(job.pk).get() == "skipped"
    job.refresh_from_db()
    assert job.file.name == name and job.status == ExportStatus.DONE
    assert OutboundEmail.objects.filter(kind="export_ready").count() == 1


def test_a_failed_build_is_marked_failed(customer, monkeypatch):
    job = ExportJob.objects.create(customer=customer, requested_by=customer)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_jobs, "export_build", broken)
    assert export_run.delay(job.pk).get() == "skipped"
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert not OutboundEmail.objects.filter(kind="export_ready").exists()


def test_expired_exports_lose_their_file(customer, django_capture_on_commit_callbacks,
                                         settings):
    settings.DESTEK_EXPORT_EXPIRY_DAYS = 2
    job = request_and_run(customer, customer, django_capture_on_commit_callbacks)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    assert job.expires_at - job.finished_at == timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert export_sweep.delay().get() == 0  # not yet
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert export_sweep.delay().get() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert export_sweep.delay().get() == 0


def test_a_job_whose_task_was_lost_is_started_again(customer, customer_data):
    job = ExportJob.objects.create(customer=customer, requested_by=customer)
    export_sweep.delay()
    job.refresh_from_db()
    assert job.status == ExportStatus.QUEUED  # recent: its task may still come
    ExportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(minutes=20))
    export_sweep.delay()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


def test_progress_is_written_at_most_once_a_second_and_at_the_end(customer):
    job = ExportJob.objects.create(customer=customer, requested_by=customer,
                                   status=ExportStatus.RUNNING)
    now = [100.0]
    writer = export_jobs.ProgressWriter(job.pk, clock=lambda: now[0])
    writer(0, 10)
    writer(1, 10)  # same instant: skipped
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (0, 10)
    now[0] += 1.5
    writer(4, 10)
    job.refresh_from_db()
    assert job.progress_done == 4 and job.percent == 40
    writer(10, 10)  # the last step is always written
    job.refresh_from_db()
    assert job.progress_done == 10
