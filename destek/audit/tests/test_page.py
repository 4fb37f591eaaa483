"""The desk's audit page: administrators only, newest first, filtered by who, action, target,
address and dates, a keyset page at a time in a fixed number of queries, in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from destek.accounts.models import User
from destek.audit.log import record
from destek.audit.models import Action, AuditEvent
from destek.audit.selectors import PAGE_SIZE

pytestmark = pytest.mark.django_db

PAGE = "/desk/audit/"


@pytest.fixture
def admin_web(admin_user: User) -> Client:
    web = Client()
    web.force_login(admin_user)
    return web


def _event(action: Action, *, label: str = "", ip: str | None = None, target: str = "",
           days_ago: float = 0, **detail: object) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action, actor_label=label, ip=ip, target=target, detail=detail,
        at=timezone.now() - timedelta(days=days_ago))


def _shown(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.target for row in response.context["rows"]]


def test_only_administrators_see_the_page_and_its_link(client, admin_web, agent, customer):
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")
    client.force_login(customer)
    assert client.get(PAGE).status_code == 404
    client.force_login(agent)  # an agent, even a supervisor, is not an administrator
    assert client.get(PAGE).status_code == 404
    assert 'data-testid="nav-audit"' not in client.get("/desk/").content.decode()
    response = admin_web.get(PAGE)
    assert response.status_code == 200
    assert 'data-testid="nav-audit"' in response.content.decode()


def test_events_are_listed_newest_first_with_readable_labels(admin_web):
    _event(Action.SIGN_IN_FAILED, label="mallory@example.com", ip="203.0.113.5",
           target="a", days_ago=2, reason="wrong_credentials")
    _event(Action.SETTINGS_CHANGED, label="ayse@example.com", target="b", days_ago=1,
           fields=["IMAP password"], model="mail.mailbox")
    response = admin_web.get(PAGE)
    assert _shown(response) == ["b", "a"]
    html = response.content.decode()
    assert "Sign-in failed" in html and "Settings changed" in html
    assert "203.0.113.5" in html and "IMAP password" in html


def test_the_page_in_turkish(admin_web, admin_user):
    admin_user.language = "tr"
    admin_user.save(update_fields=["language"])
    _event(Action.SIGN_IN_FAILED, label="mallory@example.com", target="a",
           reason="wrong_credentials")
    html = admin_web.get(PAGE, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "Güvenlik denetim kaydı" in html
    assert "Giriş başarısız" in html and "Kaynak adres" in html
    assert "yanlış e-posta adresi veya parola" in html  # the recorded reason, in words


def test_filters(admin_web):
    _event(Action.SIGN_IN_FAILED, label="mallory@example.com", ip="203.0.113.5",
           target="user:7", days_ago=10)
    _event(Action.SIGN_IN, label="Ayse@Example.com", ip="198.51.100.1", target="user:8",
           days_ago=3)
    _event(Action.ROLE_CHANGED, label="ayse@example.com", ip="198.51.100.1",
           target="user:7", days_ago=0)
    assert _shown(admin_web.get(PAGE, {"who": "ayse@"})) == ["user:7", "user:8"]
    assert _shown(admin_web.get(PAGE, {"action": "sign_in_failed"})) == ["user:7"]
    assert _shown(admin_web.get(PAGE, {"target": "user:8"})) == ["user:8"]
    assert _shown(admin_web.get(PAGE, {"ip": "203.0.113.5"})) == ["user:7"]
    today = timezone.localdate()
    since = (today - timedelta(days=4)).isoformat()
    until = (today - timedelta(days=1)).isoformat()
    assert _shown(admin_web.get(PAGE, {"since": since, "until": until})) == ["user:8"]
    assert _shown(admin_web.get(PAGE, {"who": "nobody"})) == []
    # A malformed address or date is shown as an error and leaves that filter out.
    bad = admin_web.get(PAGE, {"ip": "not-an-address", "action": "role_changed"})
    assert bad.status_code == 200
    assert _shown(bad) == ["user:7"]
    assert "is-invalid" in bad.content.decode()


def test_keyset_pages_and_a_fixed_query_count(admin_web, django_assert_num_queries):
    for n in range(PAGE_SIZE + 5):
        _event(Action.TOKEN_USED, label=f"user{n}@example.com", target=f"t{n:03d}",
               days_ago=(PAGE_SIZE + 5 - n) / 1000)
    admin_web.get(PAGE)  # the session is read and cached once
    # The user and one page of events (the session is in the cache), whatever the page size.
    with django_assert_num_queries(2):
        first = admin_web.get(PAGE, {"action": "token_used"})
    shown = _shown(first)
    assert len(shown) == PAGE_SIZE
    assert shown[0] == f"t{PAGE_SIZE + 4:03d}"
    next_query = first.context["next_query"]
    assert next_query
    with django_assert_num_queries(2):
        second = admin_web.get(f"{PAGE}?{next_query}")
    assert _shown(second) == [f"t{n:03d}" for n in range(4, -1, -1)]
    assert second.context["next_query"] == ""
    # A cursor that is garbage starts from the top instead of failing.
    assert _shown(admin_web.get(PAGE, {"cursor": "!!"}))[0] == shown[0]


def test_what_the_product_records_is_found_on_the_page(admin_web, admin_user, customer):
    record(Action.ROLE_CHANGED, actor=admin_user, target=f"user:{customer.pk}",
           old_role="customer", new_role="agent")
    html = admin_web.get(PAGE, {"target": f"user:{customer.pk}"}).content.decode()
    assert "Role changed" in html and admin_user.email in html
    assert "old role:</span> Customer" in html and "new role:</span> Agent" in html


def test_the_data_rights_events_read_as_words_in_turkish(admin_web, admin_user):
    """An erasure's and a retention run's counts, and a refused attachment taken from a raw
    email, are shown with their words, not the keys they are stored under."""
    admin_user.language = "tr"
    admin_user.save(update_fields=["language"])
    _event(Action.ERASED, target="user:7", tickets=3, inbound_emails=2)
    _event(Action.RETENTION_RUN, target="setting:retention", closed_tickets=5)
    _event(Action.REFUSED_PART_DOWNLOADED, target="inbound_email:9", name="setup.exe")
    html = admin_web.get(PAGE, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "talepler" in html and "alınan e-postalar" in html and "kapalı talepler" in html
    assert "Reddedilen ek indirildi" in html and "dosya adı" in html
    assert "inbound_emails" not in html and "closed_tickets" not in html
