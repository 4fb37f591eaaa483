"""bench.floor measures the documented deployment, serving endpoints that do nothing."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from bench.deployment import Shape, production_commands
from bench.floor import CreationRows, compose_message, floor_shape
from destek.accounts.factories import PASSWORD, AgentFactory, CustomerFactory, DepartmentFactory


def test_the_floor_runs_the_documented_deployment_with_the_bench_endpoints():
    documented = production_commands(Shape(), web_port=8000, smtpd_port=2525)
    floor = production_commands(floor_shape(), web_port=8000, smtpd_port=2525)
    assert floor["web"] == documented["web"]
    assert floor["worker"] == [part if part != "destek.worker" else "bench.floor_worker"
                               for part in documented["worker"]]
    assert floor_shape().extra_env == {"DJANGO_SETTINGS_MODULE": "bench.floor_settings"}


def test_the_worker_has_the_production_tasks_and_the_noop():
    from bench.floor_worker import NOOP, app

    assert NOOP in app.tasks
    app.loader.import_default_modules()
    assert "destek.notifications.tasks.sweep_outbox" in app.tasks


@pytest.fixture
def floor_urls(settings: pytest.FixtureRequest) -> None:
    settings.ROOT_URLCONF = "bench.floor_urls"


@pytest.mark.django_db
@pytest.mark.usefixtures("floor_urls")
def test_the_page_needs_a_signed_in_user_and_does_nothing_else(client):
    assert client.get("/bench-floor/page/").status_code == 302
    agent = AgentFactory()
    client.login(email=agent.email, password=PASSWORD)
    response = client.get("/bench-floor/page/")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.get("/healthz").status_code == 200  # Destek's URLs are served too


@pytest.mark.django_db
@pytest.mark.usefixtures("floor_urls")
def test_the_api_endpoint_authenticates_parses_and_answers_201(client):
    agent = AgentFactory()
    token = Token.objects.create(user=agent)
    assert client.post("/bench-floor/api/", {"subject": "x"},
                       content_type="application/json").status_code == 401
    response = client.post("/bench-floor/api/", {"subject": "x"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201 and response.json() == {}
    bad = client.post("/bench-floor/api/", "{", content_type="application/json",
                      HTTP_AUTHORIZATION=f"Token {token.key}")
    assert bad.status_code == 400  # the body is parsed


def _fixture() -> dict:
    customer, agent, department = CustomerFactory(), AgentFactory(), DepartmentFactory()
    return {"customers": [{"id": customer.pk}], "agent": {"id": agent.pk},
            "departments": [{"id": department.pk}]}


def _rows() -> dict[str, int]:
    from destek.notifications.models import OutboundEmail
    from destek.sla.models import TicketSla
    from destek.tickets.models import Message, Ticket, TicketEvent

    return {model.__name__: model.objects.count()
            for model in (Ticket, Message, TicketEvent, TicketSla, OutboundEmail)}


@pytest.mark.django_db(transaction=True)
def test_the_orm_floor_writes_a_creations_rows_in_six_inserts():
    rows = CreationRows(_fixture())
    with CaptureQueriesContext(connection) as captured:
        rows.with_orm()
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 6
    assert _rows() == {"Ticket": 1, "Message": 1, "TicketEvent": 1, "TicketSla": 1,
                       "OutboundEmail": 2}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg statements")
def test_the_prepared_floor_writes_the_same_rows():
    from destek.tickets.models import Message, Ticket

    rows = CreationRows(_fixture())
    rows.with_orm()
    rows.prepared()()
    assert _rows() == {"Ticket": 2, "Message": 2, "TicketEvent": 2, "TicketSla": 2,
                       "OutboundEmail": 4}
    first, second = Ticket.objects.order_by("pk")
    assert second.customer_id == first.customer_id and second.channel == first.channel
    assert Message.objects.get(ticket=second).body_text


def test_the_composed_message_parses_back():
    message = email.message_from_bytes(compose_message(3), policy=email.policy.default)
    assert message["Subject"].startswith("[#T-100003]")
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
