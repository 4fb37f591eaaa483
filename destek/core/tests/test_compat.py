"""The private Django details destek.core.compat wraps still behave as it assumes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import dateformat

from destek.accounts.models import Department, User
from destek.core.compat import (
    pending_on_commit_callbacks,
    selected_relation,
    set_prefetched,
    split_date_format,
)


@pytest.mark.django_db(transaction=True)
def test_pending_on_commit_callbacks_lists_what_has_not_run_yet() -> None:
    ran: list[str] = []

    def first() -> None:
        ran.append("first")

    assert pending_on_commit_callbacks() == []
    with transaction.atomic():
        transaction.on_commit(first)
        assert pending_on_commit_callbacks() == [first]
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: ran.append("rolled back"))
                assert len(pending_on_commit_callbacks()) == 2
                raise RuntimeError
        except RuntimeError:
            pass
        assert pending_on_commit_callbacks() == [first]
    assert ran == ["first"]
    assert pending_on_commit_callbacks() == []


@pytest.mark.parametrize("format_string", ["j F Y H:i", r"d.m.Y \s\a\a\t H:i", "N j, Y, P", ""])
def test_split_date_format_prints_what_django_prints(format_string: str) -> None:
    value = datetime(2026, 3, 9, 14, 5)
    data = dateformat.DateFormat(value)
    printed = "".join(str(getattr(data, piece)()) if is_code else piece
                      for is_code, piece in split_date_format(format_string))
    assert printed == dateformat.format(value, format_string)


def test_set_prefetched_answers_the_relation_without_a_query(
        department: Department, agent: User, customer: User,
        django_assert_num_queries: Any) -> None:
    set_prefetched(department, "agents", [customer])  # not what the database says
    with django_assert_num_queries(0):
        assert list(department.agents.all()) == [customer]
    assert list(Department.objects.get(pk=department.pk).agents.all()) == [agent]


@pytest.mark.django_db
def test_selected_relation_tells_what_select_related_loaded(
        department: Department, customer: User, django_assert_num_queries: Any) -> None:
    from destek.sla.models import TicketSla
    from destek.tickets.models import Ticket

    with_row = Ticket.objects.create(subject="a", department=department, customer=customer,
                                     channel="api")
    without = Ticket.objects.create(subject="b", department=department, customer=customer,
                                    channel="api")
    TicketSla.objects.update_or_create(ticket=with_row, defaults={"policy_name": "P"})
    TicketSla.objects.filter(ticket=without).delete()
    loaded = {t.pk: t for t in Ticket.objects.select_related("sla").filter(
        pk__in=[with_row.pk, without.pk])}
    with django_assert_num_queries(0):
        found, row = selected_relation(loaded[with_row.pk], "sla")
        assert found and row.policy_name == "P"
        assert selected_relation(loaded[without.pk], "sla") == (True, None)
        assert selected_relation(Ticket.objects.none().model(pk=with_row.pk), "sla") == (
            False, None)
    assert selected_relation(Ticket.objects.get(pk=with_row.pk), "sla") == (False, None)


def test_set_model_labels_names_a_third_party_model_translatably():
    """accounts.apps gives allauth's Authenticator its names; Django reads them at render
    time, and the migration state does not change (no migration for allauth's app)."""
    from allauth.mfa.models import Authenticator
    from django.utils import translation

    with translation.override("tr"):
        assert str(Authenticator._meta.verbose_name_plural) == "doğrulayıcılar"
        assert str(Authenticator._meta.get_field("type").verbose_name) == "tür"
    assert "verbose_name" not in Authenticator._meta.get_field("type").deconstruct()[3]
