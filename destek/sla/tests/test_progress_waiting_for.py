"""Issue 17: the progress report of a waiting ticket names the agent's reason and note."""

from __future__ import annotations

from datetime import timedelta

import pytest

from destek.accounts.factories import CustomerFactory
from destek.notifications.models import OutboundEmail
from destek.notifications.testing import render_outbox
from destek.sla.models import SlaPolicy
from destek.sla.policies import forget_config
from destek.sla.services.scan import sla_scan
from destek.tickets.factories import open_ticket
from destek.tickets.models import Status, Ticket, WaitingFor
from destek.tickets.services.changes import ticket_update

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def every_two_hours(db: None) -> None:
    SlaPolicy.objects.filter(name="Normal").update(progress_every_minutes=120,
                                                    progress_customer_update=True,
                                                    progress_grace_minutes=None)
    forget_config()


def update_body(ticket: Ticket) -> str:
    row = Ticket.objects.get(pk=ticket.pk)
    t0 = row.last_agent_message_at or row.created_at
    sla_scan(now=t0 + 121 * MINUTE)
    sla_scan(now=t0 + 151 * MINUTE)
    render_outbox()
    [update] = OutboundEmail.objects.filter(kind="sla_progress_update")
    return update.body_text


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "It is waiting for a provider or vendor (e.g. the domain registry, the data "
           "centre) (Registry answers by Friday)."),
    ("tr", "Beklenen: bir sağlayıcı veya tedarikçi (ör. alan adı kayıt kuruluşu, veri "
           "merkezi) (Registry answers by Friday)."),
])
def test_an_on_hold_ticket_with_a_reason_and_note_says_so(department, agent, language,
                                                          expected):
    ticket = open_ticket(customer=CustomerFactory(language=language), department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.ON_HOLD, assignee=agent,
                  waiting_for=WaitingFor.PROVIDER, waiting_note="  Registry answers by Friday ")
    body = update_body(ticket)
    assert expected in body
    assert "a step outside our team" not in body and "ekibimizin dışındaki" not in body


def test_without_a_reason_the_status_text_stays(department, agent):
    ticket = open_ticket(customer=CustomerFactory(language="en"), department=department)
    ticket_update(actor=agent, ticket=ticket, status=Status.ON_HOLD, assignee=agent)
    body = update_body(ticket)
    assert "It is waiting for a step outside our team" in body
    assert "we go on as soon as it is done.\n" in body  # no note appended
