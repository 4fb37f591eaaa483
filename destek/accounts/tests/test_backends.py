"""The per-request user lookup: the same user the ORM gives, none for inactive or unknown
ids, one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from destek.accounts.backends import AuthenticationBackend, ModelBackend
from destek.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
def test_get_user(backend, agent) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        found = backend.get_user(str(agent.pk))
    assert len(queries) == 1
    orm = User.objects.get(pk=agent.pk)
    assert found == orm
    assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(orm, f.attname) for f in User._meta.concrete_fields}
    assert found.check_password("not it") is False  # a full instance, hash included
    assert backend.get_user("999999999") is None
    assert backend.get_user("not-a-number") is None
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert backend.get_user(agent.pk) is None


def test_a_signed_in_session_uses_it(client, agent) -> None:  # type: ignore[no-untyped-def]
    client.force_login(agent)
    assert client.session["_auth_user_backend"] == "destek.accounts.backends.ModelBackend"
    assert client.get("/desk/").status_code == 200
