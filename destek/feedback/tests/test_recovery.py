"""The recovery loop and complaints (issue 18)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from destek.accounts.factories import AgentFactory, CustomerFactory
from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent
from destek.conftest import login
from destek.core.errors import ApplicationError
from destek.feedback.models import (
    Complaint,
    Rating,
    RatingScale,
    RatingSource,
    Recovery,
    RecoveryState,
)
from destek.feedback.recovery import rating_recorded, recovery_dismiss
from destek.notifications.models import OutboundEmail
from destek.sla.models import TicketSla
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(department):
    lead = AgentFactory(full_name="Sema Supervisor", role=Role.SUPERVISOR)
    department.supervisor = lead
    department.save(update_fields=["supervisor"])
    return lead


def rate(ticket, score, *, complaint=False, comment="") -> Rating:
    """What fcsat's rating service does: save, then tell recovery in the transaction."""
    rating, created = Rating.objects.update_or_create(
        ticket=ticket, defaults={"customer": ticket.customer, "scale": RatingScale.FIVE,
                                 "score": score, "is_complaint": complaint,
                                 "comment": comment, "source": RatingSource.EMAIL})
    rating_recorded(rating, created=created)
    return rating


def test_bad_rating_opens_a_recovery_ticket_for_the_supervisor(customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department, subject="Site is down")
    rate(ticket, 1, comment="Too slow")
    recovery = Recovery.objects.get()
    assert recovery.state == RecoveryState.OPEN and recovery.owner == supervisor
    new = recovery.ticket
    assert new.subject == "Recovery: Site is down" and new.customer == customer
    assert new.assignee == supervisor
    assert set(new.tags.values_list("name", flat=True)) == {"recovery"}
    sla = TicketSla.objects.get(ticket=new)
    assert sla.first_response_due == new.created_at + timedelta(minutes=60)
    assert not Complaint.objects.exists()


def test_good_rating_opens_nothing_and_calls_are_idempotent(customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department)
    rate(ticket, 5)
    assert not Recovery.objects.exists()
    rating = rate(ticket, 2)
    rating_recorded(rating, created=False)
    rating_recorded(rating, created=True)
    assert Recovery.objects.count() == 1


def test_a_rating_turned_good_keeps_the_recovery_open_with_a_note(customer, department,
                                                                  supervisor):
    ticket = open_ticket(customer=customer, department=department)
    rate(ticket, 1)
    rate(ticket, 5)
    recovery = Recovery.objects.get()
    assert recovery.state == RecoveryState.OPEN
    assert recovery.ticket.messages.filter(is_internal=True).count() == 1


def test_complaint_rating_files_a_complaint(customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department)
    rating = rate(ticket, 3, complaint=True, comment="Rude answer")
    complaint = Complaint.objects.get()
    assert complaint.rating == rating and complaint.ticket == Recovery.objects.get().ticket
    assert complaint.owner == supervisor


def test_supervisor_fallbacks(customer, department):
    admin = AgentFactory(role=Role.ADMIN)
    rate(open_ticket(customer=customer, department=department), 1)
    assert Recovery.objects.get().owner == admin


def test_resolving_the_recovery_ticket_clears_at_risk_and_reasks_once(
        client, customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department, subject="Mail")
    rate(ticket, 1)
    recovery = Recovery.objects.get()
    page = login(client, supervisor).get(reverse("desk:ticket", args=[ticket.pk]))
    assert b'data-testid="customer-at-risk"' in page.content
    ticket_update(actor=supervisor, ticket=recovery.ticket, status=Status.RESOLVED)
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.RESOLVED and recovery.closed_at
    assert recovery.reasked_at is not None
    emails = OutboundEmail.objects.filter(kind="feedback_reask")
    assert emails.count() == 1
    page = client.get(reverse("desk:ticket", args=[ticket.pk]))
    assert b'data-testid="customer-at-risk"' not in page.content
    # Reopened and resolved again: still one email for this recovery.
    ticket_update(actor=supervisor, ticket=recovery.ticket, status=Status.OPEN)
    ticket_update(actor=supervisor, ticket=recovery.ticket, status=Status.RESOLVED)
    assert emails.count() == 1


def test_dismissal_needs_a_reason_and_is_audited(client, customer, department, supervisor):
    rate(open_ticket(customer=customer, department=department), 1)
    recovery = Recovery.objects.get()
    with pytest.raises(ApplicationError):
        recovery_dismiss(actor=supervisor, recovery_id=recovery.pk, reason="  ")
    login(client, supervisor)
    url = reverse("feedback_desk:dismiss", args=[recovery.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Customer apologised, all fine"})
    assert response.status_code == 302
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.DISMISSED and recovery.dismissed_by == supervisor
    assert AuditEvent.objects.filter(action=Action.RECOVERY_DISMISSED).count() == 1
    assert recovery.ticket.messages.filter(is_internal=True,
                                           body_text__contains="apologised").exists()


def test_agents_cannot_dismiss_or_list(client, customer, department, supervisor, agent):
    rate(open_ticket(customer=customer, department=department), 1)
    recovery = Recovery.objects.get()
    login(client, agent)
    assert client.get(reverse("feedback_desk:recoveries")).status_code == 404
    assert client.post(reverse("feedback_desk:dismiss", args=[recovery.pk]),
                       {"reason": "x"}).status_code == 404


def test_recoveries_list_open_first(client, customer, department, supervisor,
                                    django_assert_max_num_queries):
    for _n in range(3):
        rate(open_ticket(customer=CustomerFactory(), department=department), 1)
    login(client, supervisor)
    client.get(reverse("feedback_desk:recoveries"))
    with django_assert_max_num_queries(8):  # session, user, the one list query, messages
        page = client.get(reverse("feedback_desk:recoveries"))
    assert page.content.count(b'data-testid="recovery-row"') == 3


def test_nothing_about_a_bad_rating_is_silently_dropped(customer, department, supervisor):
    for score in (1, 2, 3, 4, 5, 1):
        rate(open_ticket(customer=CustomerFactory(), department=department), score,
             complaint=score == 3)
    wanting = Rating.objects.filter(score__lte=2) | Rating.objects.filter(is_complaint=True)
    assert wanting.count() == 4
    for rating in wanting:
        recovery = Recovery.objects.get(rating=rating)
        assert recovery.ticket_id is not None or recovery.state == RecoveryState.DISMISSED


def test_portal_complaint(client, customer, other_customer, department, supervisor):
    own = open_ticket(customer=customer, department=department, subject="Backups")
    theirs = open_ticket(customer=other_customer, department=department)
    login(client, customer)
    url = reverse("feedback_portal:complaint_new")
    assert client.get(url).status_code == 200
    assert client.post(url, {"subject": "", "description": "x"}).status_code == 400
    assert client.post(url, {"subject": "S", "description": "d",
                             "ticket": theirs.pk}).status_code == 400
    assert not Complaint.objects.exists()
    response = client.post(url, {"subject": "Slow support", "description": "Nobody answers",
                                 "ticket": own.pk})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.owner == supervisor and complaint.ticket.assignee == supervisor
    sla = TicketSla.objects.get(ticket=complaint.ticket)
    assert sla.resolution_due == complaint.ticket.created_at + timedelta(hours=24)
    # The complaints view: the shared saved view of the queue, by the tag.
    login(client, supervisor)
    queue = client.get(reverse("desk:queue") + "?tag=complaint")
    assert complaint.ticket.subject.encode() in queue.content


def test_the_recovery_ticket_speaks_the_customer_s_language(department, supervisor):
    turkish = CustomerFactory(language="tr")
    rate(open_ticket(customer=turkish, department=department, subject="Site çöktü"), 1,
         comment="Çok yavaş")
    ticket = Recovery.objects.get().ticket
    assert ticket.subject == "Geri kazanım: Site çöktü"
    assert "5 üzerinden 1" in ticket.messages.get().body_text


def test_a_bad_rating_again_after_recovery_reopens_it(customer, department, supervisor):
    ticket = open_ticket(customer=customer, department=department)
    rate(ticket, 1)
    recovery = Recovery.objects.get()
    ticket_update(actor=supervisor, ticket=recovery.ticket, status=Status.RESOLVED)
    rate(ticket, 5)  # the re-rating after the re-ask: nothing to do
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.RESOLVED
    rate(ticket, 2)
    recovery.refresh_from_db()
    assert recovery.state == RecoveryState.OPEN and Recovery.objects.count() == 1
    recovery.ticket.refresh_from_db()
    assert recovery.ticket.status not in (Status.RESOLVED, Status.CLOSED)
