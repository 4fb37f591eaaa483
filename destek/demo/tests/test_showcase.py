"""The demo shows a product in use: a help center in both languages, an FAQ, mailboxes,
canned responses, SLA targets for every priority, tickets in several states, a finished chat."""

from __future__ import annotations

import pytest

from destek.demo.data import create_demo_data
from destek.kb.models import Article, ArticleStatus, Category
from destek.kb.search import suggest
from destek.livechat.models import Conversation, ConversationState
from destek.mail.models import Mailbox
from destek.sla.models import SlaPolicy
from destek.tickets.models import CannedResponse, Priority, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return create_demo_data()


def test_a_dozen_articles_in_both_languages_with_categories_and_an_faq(demo) -> None:  # type: ignore[no-untyped-def]
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    for language in ("en", "tr"):
        assert published.filter(language=language).count() == 12
        assert published.filter(language=language, is_faq=True).count() == 4
        assert not published.filter(language=language, category=None).exists()
    # Each English article has its Turkish translation in the same group.
    assert published.values("group").distinct().count() == 12
    assert Category.objects.count() == 5
    assert [h.article.title for h in suggest(actor=None, text="DNS TTL", language="tr")][:1] \
        == ["DNS değişikliklerinin yayılma süresi"]


def test_the_demo_articles_leave_the_browser_tests_words_alone(demo) -> None:  # type: ignore[no-untyped-def]
    # e2e/test_live_chat.py expects its own article as the widget's only suggestion.
    for language, text in (("en", "My WordPress site is slow"),
                           ("tr", "WordPress sitem çok yavaş")):
        assert suggest(actor=None, text=text, language=language) == [], text


def test_mailboxes_canned_responses_and_an_sla_target_for_every_priority(demo) -> None:  # type: ignore[no-untyped-def]
    assert set(Mailbox.objects.values_list("address", flat=True)) == {
        "support@demo.destek.local", "billing@demo.destek.local"}
    languages = list(CannedResponse.objects.values_list("language", flat=True))
    assert languages.count("en") >= 3 and languages.count("tr") >= 3
    # A shared macro in each language: replies, tags and leaves the ticket pending.
    macros = CannedResponse.objects.filter(owner=None, set_status=Status.PENDING)
    assert sorted(macros.values_list("language", flat=True)) == ["en", "tr"]
    assert all(m.add_tags and m.note and m.body for m in macros)
    policies = list(SlaPolicy.objects.filter(is_active=True))
    for priority in Priority.values:
        matching = [p for p in policies if priority in p.priorities]
        assert matching and all(p.first_response_minutes for p in matching), priority


def test_tickets_in_several_states_and_a_finished_chat(demo) -> None:  # type: ignore[no-untyped-def]
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED,
            Status.CLOSED} <= statuses
    chat = Conversation.objects.get()
    assert chat.state == ConversationState.ENDED and chat.agent is not None
    assert chat.messages.filter(side="visitor").count() == 3


def test_the_demo_is_created_once(demo, settings) -> None:  # type: ignore[no-untyped-def]
    counts = (Article.objects.count(), Ticket.objects.count(), Conversation.objects.count())
    assert create_demo_data() == demo
    assert (Article.objects.count(), Ticket.objects.count(),
            Conversation.objects.count()) == counts


def test_a_status_page_with_components_a_past_incident_and_a_maintenance(demo) -> None:  # type: ignore[no-untyped-def]
    from destek.status.models import Component, ComponentStatus, Incident, IncidentKind

    assert Component.objects.count() == 6
    assert set(Component.objects.values_list("status", flat=True)) == {
        ComponentStatus.OPERATIONAL}
    past = Incident.objects.get(kind=IncidentKind.INCIDENT)
    assert past.resolved_at is not None and past.updates.count() == 3
    maintenance = Incident.objects.get(kind=IncidentKind.MAINTENANCE)
    assert maintenance.is_published and maintenance.resolved_at is None
