"""The NPS survey (fnps): who is asked and when, the links, the unsubscribe, the report."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from destek.accounts.factories import AgentFactory, CustomerFactory, OrganizationFactory
from destek.accounts.models import Department, Role, User
from destek.audit.models import Action, AuditEvent
from destek.feedback import nps
from destek.feedback.models import FeedbackSettings, NpsOptOut, NpsResponse
from destek.feedback.nps_links import ANSWER_SALT, answer_token, unsubscribe_token
from destek.feedback.selectors import feedback_settings
from destek.hosting.factories import ServiceFactory
from destek.hosting.models import ServiceStatus
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def enable(every_days: int = 90) -> FeedbackSettings:
    config = feedback_settings()
    config.nps_enabled, config.nps_every_days = True, every_days
    config.save()
    return config


def hosted(n: int = 1, **extra: object) -> list[User]:
    return [ServiceFactory(**extra).customer for _i in range(n)]


def test_eligibility(department: Department) -> None:
    now = timezone.now()
    with_service = hosted()[0]
    suspended = ServiceFactory(status=ServiceStatus.SUSPENDED).customer
    org = OrganizationFactory()
    member = CustomerFactory(organization=org)
    ServiceFactory(customer=None, organization=org)
    ticketed = CustomerFactory()
    open_ticket(customer=ticketed, department=department)
    old_ticket = CustomerFactory()
    open_ticket(customer=old_ticket, department=department)
    old_ticket.tickets.update(created_at=now - timedelta(days=nps.RECENT_TICKET_DAYS + 1))
    no_email = hosted()[0]
    User.objects.filter(pk=no_email.pk).update(email_notifications=False)
    inactive = hosted()[0]
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    opted_out = hosted()[0]
    NpsOptOut.objects.create(customer=opted_out)
    staff = AgentFactory()
    ServiceFactory(customer=staff)
    CustomerFactory()  # nothing at all

    ids = set(nps.eligible_customers(now=now).values_list("pk", flat=True))
    assert ids == {with_service.pk, member.pk, ticketed.pk}
    assert suspended.pk not in ids and staff.role != Role.CUSTOMER


def test_disabled_sends_nothing() -> None:
    hosted(3)
    assert nps.nps_send_due().sent == 0
    assert not NpsResponse.objects.exists() and not OutboundEmail.objects.exists()


def test_spread_cap_and_never_twice_within_period() -> None:
    enable(every_days=1)  # 24 runs a day: ceil(50 / 24) = 3 per run
    customers = hosted(50)
    now = timezone.now()
    first = nps.nps_send_due(now=now)
    assert (first.eligible, first.cap, first.sent) == (50, 3, 3)
    asked = set(NpsResponse.objects.values_list("customer_id", flat=True))
    assert asked == {c.pk for c in customers[:3]}  # never asked: lowest ids first
    assert OutboundEmail.objects.filter(kind="nps_survey").count() == 3
    # A rerun (same hour) asks the next three, never the first ones again.
    nps.nps_send_due(now=now)
    assert NpsResponse.objects.count() == 6
    assert NpsResponse.objects.values("customer_id").distinct().count() == 6


def test_asked_longest_ago_first_and_not_within_period() -> None:
    enable(every_days=30)
    a, b, c = hosted(3)
    now = timezone.now()
    NpsResponse.objects.create(customer=a, sent_at=now - timedelta(days=40), period=1)
    NpsResponse.objects.create(customer=b, sent_at=now - timedelta(days=35), period=2)
    NpsResponse.objects.create(customer=c, sent_at=now - timedelta(days=10), period=3)
    assert nps.nps_send_due(now=now).sent == 1  # ceil(3 / 720)
    latest = NpsResponse.objects.order_by("-sent_at").first()
    assert latest is not None and latest.customer_id == a.pk
    assert nps.nps_send_due(now=now).sent == 1
    assert NpsResponse.objects.filter(customer=b, sent_at=now).exists()
    assert nps.nps_send_due(now=now).sent == 0  # c was asked 10 days ago


def test_same_period_is_idempotent() -> None:
    """A crashed worker's rerun or a racing run: the (customer, period) survey and its
    outbox key exist already, nothing is sent twice."""
    config = enable(every_days=1)
    (customer,) = hosted(1)
    now = timezone.now()
    period = nps.period_index(now, 1)
    NpsResponse.objects.create(customer=customer, sent_at=now - timedelta(days=2),
                               period=period)
    assert nps.nps_send_due(now=now).sent == 0
    assert NpsResponse.objects.count() == 1 and not OutboundEmail.objects.exists()
    assert config.nps_every_days == 1


def test_a_racing_run_in_the_batch_does_not_stop_the_others() -> None:
    """Another worker already wrote this period's survey for one customer of the batch: the
    batch falls back to one savepoint per customer and sends the rest."""
    enable(every_days=1)
    taken, free = hosted(2)
    now = timezone.now()
    NpsResponse.objects.create(customer=taken, sent_at=now - timedelta(days=3),
                               period=nps.period_index(now, 1))
    with mock.patch.object(nps, "per_run_cap", return_value=2):
        assert nps.nps_send_due(now=now).sent == 1
    assert NpsResponse.objects.filter(customer=free).count() == 1
    assert NpsResponse.objects.filter(customer=taken).count() == 1
    assert list(OutboundEmail.objects.values_list("idempotency_key", flat=True)) == [
        f"nps-{free.pk}-{nps.period_index(now, 1)}"]


def test_the_email_template_is_editable_and_previews_in_both_languages() -> None:
    from destek.notifications.catalog import kind
    from destek.notifications.email_templates import email_template_get, email_template_preview

    found = kind("nps_survey")
    assert found is not None
    for language in ("en", "tr"):
        text = email_template_get(kind=found, language=language)
        preview = email_template_preview(kind=found, language=language, subject=text.subject,
                                         body=text.body)
        assert preview.rendered is not None, preview.error
        assert "10: http" in preview.rendered.body


def test_opted_out_and_no_email_skipped() -> None:
    enable()
    a, b, c = hosted(3)
    NpsOptOut.objects.create(customer=a)
    User.objects.filter(pk=b.pk).update(email_notifications=False)
    result = nps.nps_send_due()
    assert result.eligible == 1
    assert list(NpsResponse.objects.values_list("customer_id", flat=True)) == [c.pk]


def test_query_count_does_not_grow_with_customers(django_assert_max_num_queries: object
                                                  ) -> None:
    """Reads are per batch, not per customer: sending 10 costs the same reads as 5, plus
    exactly the outbox's per-email INSERT statements."""
    enable(every_days=1)
    hosted(5)

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            sent = nps.nps_send_due(now=timezone.now() + timedelta(days=5)).sent
        selects = [q for q in ctx.captured_queries if q["sql"].lstrip().upper()
                   .startswith("SELECT")]
        return sent, len(selects)

    sent5, selects5 = run()
    assert sent5 == 1
    NpsResponse.objects.all().delete()
    OutboundEmail.objects.all().delete()
    hosted(235)  # 240 eligible: ceil(240/24) = 10 per run
    sent10, selects10 = run()
    assert sent10 == 10
    assert selects10 == selects5


def test_email_links_headers_and_language() -> None:
    enable()
    (customer,) = hosted(1)
    User.objects.filter(pk=customer.pk).update(language="tr")
    nps.nps_send_due()
    render_outbox()
    row = OutboundEmail.objects.get(kind="nps_survey")
    assert row.recipients == [customer.email]
    assert "tavsiye" in row.subject
    response = NpsResponse.objects.get()
    token = answer_token(response)
    for n in range(11):
        assert reverse("feedback_nps:answer", kwargs={"token": token, "score": n}) \
            in row.body_text
    unsubscribe = reverse("feedback_nps:unsubscribe",
                          kwargs={"token": unsubscribe_token(customer.pk)})
    assert unsubscribe in row.headers["List-Unsubscribe"]
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.fixture
def survey(customer: User) -> NpsResponse:
    return NpsResponse.objects.create(customer=customer, period=1)


def answer_url(response: NpsResponse, score: int) -> str:
    return reverse("feedback_nps:answer", kwargs={"token": answer_token(response),
                                                  "score": score})


def test_get_shows_but_never_records(client: Client, survey: NpsResponse) -> None:
    page = client.get(answer_url(survey, 8))
    assert page.status_code == 200
    assert b'value="8" autocomplete="off" checked' in page.content
    survey.refresh_from_db()
    assert survey.score is None and survey.answered_at is None


def test_post_records_idempotent_and_changeable(client: Client, survey: NpsResponse) -> None:
    url = answer_url(survey, 3)
    assert client.post(url, {"score": "3", "comment": "Slow support"}).status_code == 200
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (3, "Slow support")
    first = survey.answered_at
    client.post(url, {"score": "3", "comment": "Slow support"})
    client.post(url, {"score": "9", "comment": "Better now"})
    survey.refresh_from_db()
    assert (survey.score, survey.answered_at) == (9, first)
    # After the change window: a clear message, nothing changes.
    NpsResponse.objects.filter(pk=survey.pk).update(
        answered_at=timezone.now() - timedelta(days=feedback_settings().change_window_days + 1))
    page = client.post(url, {"score": "0"})
    assert b'data-testid="nps-closed"' in page.content
    survey.refresh_from_db()
    assert survey.score == 9


def test_tampered_expired_and_foreign_tokens_404(client: Client, survey: NpsResponse,
                                                 other_customer: User) -> None:
    token = answer_token(survey)
    assert client.get(reverse("feedback_nps:answer",
                              kwargs={"token": token[:-2] + "xx", "score": 5})).status_code == 404
    # Someone else's survey id signed for another customer: no match.
    forged = signing.dumps({"r": survey.pk, "c": other_customer.pk}, salt=ANSWER_SALT,
                           compress=True)
    response = client.post(reverse("feedback_nps:answer", kwargs={"token": forged, "score": 5}),
                           {"score": "5"})
    assert response.status_code == 404
    # Another salt (a reopen link's token) is refused.
    other_salt = signing.dumps({"r": survey.pk, "c": survey.customer_id}, salt="x")
    assert client.get(reverse("feedback_nps:answer",
                              kwargs={"token": other_salt, "score": 5})).status_code == 404
    # Signed longer ago than the links work (FeedbackSettings.link_valid_days).
    days = feedback_settings().link_valid_days
    with mock.patch("django.core.signing.time.time",
                    return_value=time.time() - (days + 1) * 86400):
        expired = answer_token(survey)
    assert client.get(reverse("feedback_nps:answer",
                              kwargs={"token": expired, "score": 5})).status_code == 404
    assert client.post(reverse("feedback_nps:answer", kwargs={"token": expired, "score": 5}),
                       {"score": "5"}).status_code == 404
    survey.refresh_from_db()
    assert survey.score is None


def test_unsubscribe_get_then_post_and_one_click(client: Client, customer: User) -> None:
    url = reverse("feedback_nps:unsubscribe", kwargs={"token": unsubscribe_token(customer.pk)})
    assert client.get(url).status_code == 200
    assert not NpsOptOut.objects.filter(customer=customer).exists()
    csrf_client = Client(enforce_csrf_checks=True)
    # RFC 8058: the mail client's POST has no cookie and no CSRF token.
    assert csrf_client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert NpsOptOut.objects.filter(customer=customer).exists()
    assert client.post(url).status_code == 200  # twice: still one row
    assert NpsOptOut.objects.count() == 1
    assert client.get(reverse("feedback_nps:unsubscribe",
                              kwargs={"token": "nope"})).status_code == 404


def test_profile_checkbox_opts_in_and_out(customer_client: Client, customer: User) -> None:
    page = customer_client.get(reverse("portal:profile"))
    assert b'data-testid="nps-preference"' in page.content
    assert b'id="nps-survey" checked' in page.content
    customer_client.post(reverse("feedback_nps:preference"), {"next": "/portal/profile/"})
    assert NpsOptOut.objects.filter(customer=customer).exists()
    page = customer_client.get(reverse("portal:profile"))
    assert b'id="nps-survey" checked' not in page.content
    customer_client.post(reverse("feedback_nps:preference"), {"nps_survey": "1"})
    assert not NpsOptOut.objects.filter(customer=customer).exists()


def test_report_arithmetic() -> None:
    customers = hosted(10)
    now = timezone.now()
    scores = [10, 9, 9, 8, 7, 6, 0, None, None, None]
    for index, (customer, score) in enumerate(zip(customers, scores, strict=True)):
        NpsResponse.objects.create(customer=customer, period=index, sent_at=now,
                                   score=score, answered_at=now if score is not None else None,
                                   comment="ok" if score is not None else "")
    NpsResponse.objects.create(customer=customers[0], period=99, score=0, answered_at=now,
                               sent_at=now - timedelta(days=200))  # outside the window
    report = nps.nps_report(now=now)
    assert (report.sent, report.answered) == (10, 7)
    assert (report.promoters, report.passives, report.detractors) == (3, 2, 2)
    assert report.score == round(100 * (3 - 2) / 7) == 14
    assert report.response_rate == 70
    assert sum(bar.responses for bar in report.months) == 7
    assert nps.nps_score(0, 4, 4) == -100


def test_report_page_access_and_queries(client: Client, agent: User,
                                        django_assert_max_num_queries: object) -> None:
    customers = hosted(30)
    now = timezone.now()
    for index, customer in enumerate(customers):
        NpsResponse.objects.create(customer=customer, period=index, score=index % 11,
                                   answered_at=now, comment=f"comment {index}")
    client.force_login(agent)
    assert client.get(reverse("feedback_nps:report")).status_code == 404  # agents: no
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("feedback_nps:report"))
    assert page.status_code == 200
    assert page.content.count(b'data-testid="nps-comment"') == 20
    assert len(ctx.captured_queries) <= 12
    content = page.content.split(b'data-testid="nps-summary"')[1].split(b"</main>")[0]
    assert b"<script>" not in content and b"style=" not in content  # CSP
    oldest_shown = NpsResponse.objects.order_by("-pk")[19].pk
    more = client.get(reverse("feedback_nps:report") + f"?before={oldest_shown}")
    assert more.content.count(b'data-testid="nps-comment"') == 10


def test_settings_admin_only_and_audited(client: Client) -> None:
    supervisor = AgentFactory(role=Role.SUPERVISOR)
    client.force_login(supervisor)
    assert client.get(reverse("feedback_nps:settings")).status_code == 404
    admin = AgentFactory(role=Role.ADMIN)
    client.force_login(admin)
    assert client.get(reverse("feedback_nps:settings")).status_code == 200
    response = client.post(reverse("feedback_nps:settings"),
                           {"nps_enabled": "on", "nps_every_days": "120"})
    assert response.status_code == 302
    config = feedback_settings()
    assert (config.nps_enabled, config.nps_every_days) == (True, 120)
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.target == "feedback:nps"
    assert client.post(reverse("feedback_nps:settings"),
                       {"nps_every_days": "1"}).status_code == 200  # below the minimum
    assert feedback_settings().nps_every_days == 120


def test_task_runs_the_service() -> None:
    from destek.feedback.tasks import nps_send_due

    enable()
    hosted(2)
    assert nps_send_due.apply().get() == 1


def test_the_beat_runs_it_as_often_as_the_cap_assumes() -> None:
    from django.conf import settings

    from destek.feedback.tasks import nps_send_due

    entry = settings.CELERY_BEAT_SCHEDULE["feedback-nps-send"]
    assert entry["task"] == nps_send_due.name
    assert entry["schedule"] * nps.RUNS_PER_DAY == 24 * 60 * 60
