"""Staff: statuses told to followers once each in their language, moderation, merges, tickets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.accounts.factories import CustomerFactory
from destek.audit.models import Action, AuditEvent
from destek.ideas import factories, notices, services, staff
from destek.ideas.models import Idea, IdeaComment, IdeaStatus, IdeaTicket, IdeaVote
from destek.ideas.tasks import notify_status_change
from destek.notifications.models import OutboundEmail
from destek.tickets.factories import open_ticket

pytestmark = pytest.mark.django_db


def _emails() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=notices.EMAIL_KEY).order_by("pk"))


def test_a_status_change_emails_every_follower_once_in_their_language(
        client, customer, other_customer, third_customer, agent, public):
    idea = factories.idea(author=customer, cat=public)
    services.idea_vote(actor=other_customer, idea=idea)
    services.comment_create(actor=third_customer, idea=idea, body="Yes!")  # Turkish
    services.comment_create(actor=other_customer, idea=idea, body="Please")  # voted too
    client.force_login(agent)
    client.post(reverse("ideas:status", args=[idea.pk]), {
        "status": "planned", "response": "Coming in March.", "response_tr": "Mart'ta geliyor."})
    emails = _emails()
    assert sorted(e.recipients[0] for e in emails) == sorted(
        [customer.email, other_customer.email, third_customer.email])
    # the same status again: nothing new
    client.post(reverse("ideas:status", args=[idea.pk]), {
        "status": "planned", "response": "Coming in March.", "response_tr": "Mart'ta geliyor."})
    assert len(_emails()) == 3
    # the notification job running again (a retried task): nothing new either
    change = idea.status_changes.get()
    assert notices.notify_change(change_id=change.pk) == 0
    assert len(_emails()) == 3
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PLANNED and idea.responded_by == agent


def test_the_email_is_in_the_recipients_language(customer, third_customer, agent, public,
                                                 settings):
    settings.DESTEK_RENDER_NOTIFICATIONS_IN_WORKER = False  # composed at once: readable here
    idea = factories.idea(author=customer, cat=public, title="Dark mode")
    services.idea_vote(actor=third_customer, idea=idea)
    staff.idea_set_status(actor=agent, idea=idea, status="planned", response="Soon.",
                          response_tr="Yakında.")
    by_address = {e.recipients[0]: bytes(e.raw_message).decode("utf-8", "replace")
                  for e in _emails()}
    assert "Planned" in by_address[customer.email] and "Soon." in by_address[customer.email]
    turkish = by_address[third_customer.email]
    assert "Planland" in turkish or "=?utf-8?" in turkish
    assert "Yakında" in turkish or "Yak=C4=B1nda" in turkish or "WWFrxLFuZGE" in turkish


def test_a_popular_idea_is_told_by_the_task_in_batches(customer, agent, public, monkeypatch):
    monkeypatch.setattr(notices, "INLINE_FOLLOWERS", 2)
    monkeypatch.setattr(notices, "BATCH", 2)
    idea = factories.idea(author=customer, cat=public)
    voters = [CustomerFactory() for _ in range(4)]
    for voter in voters:
        services.idea_vote(actor=voter, idea=idea)
    sent: list[int] = []
    monkeypatch.setattr(staff, "_enqueue", lambda change_id: sent.append(change_id))
    change = staff.idea_set_status(actor=agent, idea=idea, status="under_review")
    assert _emails() == []  # not in the request: the task does it
    assert notify_status_change(change.pk) == 5
    assert notify_status_change(change.pk) == 0  # idempotent


def test_merge_moves_votes_once_and_comments_with_a_note(client, customer, other_customer,
                                                        third_customer, agent, public):
    target = factories.idea(author=customer, cat=public, title="Wildcard SSL")
    source = factories.idea(author=other_customer, cat=public, title="Wildcard certificates")
    services.idea_vote(actor=third_customer, idea=target)
    services.idea_vote(actor=third_customer, idea=source)  # voted for both: counts once
    services.idea_vote(actor=customer, idea=source)  # the target's author: counts once
    services.comment_create(actor=third_customer, idea=source, body="Needed for my shop")
    client.force_login(agent)
    response = client.post(reverse("ideas:moderate", args=[source.pk]),
                           {"action": "merge", "target": str(target.pk)})
    assert response.status_code == 302
    target.refresh_from_db()
    source.refresh_from_db()
    voters = set(IdeaVote.objects.filter(idea=target).values_list("user_id", flat=True))
    assert voters == {customer.pk, other_customer.pk, third_customer.pk}
    assert target.vote_count == 3 == IdeaVote.objects.filter(idea=target).count()
    assert target.comment_count == 1
    assert source.merged_into == target and source.hidden and source.vote_count == 0
    assert not IdeaVote.objects.filter(idea=source).exists()
    assert IdeaComment.objects.get().merged_from == source
    # the merged idea redirects, for everyone
    client.logout()
    assert client.get(reverse("ideas:detail", args=[source.pk]))["Location"] \
        == reverse("ideas:detail", args=[target.pk])
    page = client.get(reverse("ideas:detail", args=[target.pk])).content.decode()
    assert "Needed for my shop" in page and "Wildcard certificates" in page
    assert AuditEvent.objects.filter(action=Action.IDEA_MODERATED,
                                     target=f"ideas.idea:{source.pk}").exists()


def test_spam_hides_the_idea_and_optionally_the_authors_others(client, customer, agent,
                                                               public):
    first = factories.idea(author=customer, cat=public, title="Buy cheap pills")
    second = factories.idea(author=customer, cat=public, title="Buy cheaper pills")
    client.force_login(agent)
    client.post(reverse("ideas:moderate", args=[first.pk]), {"action": "spam"})
    assert list(Idea.objects.filter(hidden=True).values_list("pk", flat=True)) == [first.pk]
    client.post(reverse("ideas:moderate", args=[first.pk]), {"action": "spam_all"})
    assert Idea.objects.filter(hidden=True, is_spam=True).count() == 2
    assert AuditEvent.objects.filter(action=Action.IDEA_MODERATED).count() == 2
    client.logout()
    assert "pills" not in client.get(reverse("ideas:board")).content.decode()
    assert services.similar_ideas(actor=None, text="cheap pills") == []
    del second


def test_edit_reindexes_and_is_audited(client, customer, agent, public):
    idea = factories.idea(author=customer, cat=public, title="Old words")
    client.force_login(agent)
    client.post(reverse("ideas:moderate", args=[idea.pk]), {
        "action": "edit", "title": "Staging sites", "description": "One-click staging."})
    assert [i.pk for i in services.similar_ideas(actor=customer, text="staging")] == [idea.pk]
    assert services.similar_ideas(actor=customer, text="old words") == []
    assert AuditEvent.objects.filter(action=Action.IDEA_MODERATED).count() == 1


def test_tickets_are_linked_by_number_and_counted(client, customer, agent, department,
                                                  public):
    idea = factories.idea(author=customer, cat=public)
    ticket = open_ticket(customer=customer, department=department)
    client.force_login(agent)
    for _ in range(2):
        client.post(reverse("ideas:moderate", args=[idea.pk]),
                    {"action": "link", "reference": ticket.reference})
    idea.refresh_from_db()
    assert idea.ticket_count == 1 == IdeaTicket.objects.count()
    assert ticket.reference in client.get(reverse("ideas:detail", args=[idea.pk])
                                          ).content.decode()
    client.force_login(customer)  # customers see the count, not the tickets
    page = client.get(reverse("ideas:detail", args=[idea.pk])).content.decode()
    assert "1 ticket asks for this" in page and ticket.reference not in page
    client.force_login(agent)
    client.post(reverse("ideas:moderate", args=[idea.pk]),
                {"action": "unlink", "ticket": ticket.pk})
    idea.refresh_from_db()
    assert idea.ticket_count == 0


def test_customers_cannot_moderate(client, customer, other_customer, public):
    idea = factories.idea(author=customer, cat=public)
    client.force_login(other_customer)
    assert client.post(reverse("ideas:moderate", args=[idea.pk]),
                       {"action": "hide"}).status_code == 404
    assert client.post(reverse("ideas:status", args=[idea.pk]),
                       {"status": "done"}).status_code == 404
    idea.refresh_from_db()
    assert not idea.hidden and idea.status == IdeaStatus.NEW
