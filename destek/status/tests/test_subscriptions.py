"""Subscribing to the status page: double opt-in by email through the outbox, one-click
unsubscribe, the form's rate limit, and webhooks for signed-in customers and admins."""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from destek.accounts.factories import AgentFactory, CustomerFactory, UserFactory
from destek.accounts.models import Role, User
from destek.notifications.compose import compose_address
from destek.notifications.models import OutboundEmail
from destek.notifications.notices import address_notice_from_payload
from destek.status.factories import ComponentFactory
from destek.status.models import Subscription, SubscriptionChannel
from destek.status.subscriptions import CONFIRM_KIND, CONFIRM_SALT, signature, unsubscribe_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache_keys(settings) -> None:  # type: ignore[no-untyped-def]
    """Each test its own cache keys (the page's data, the rate limits' counters): the xdist
    workers of a PostgreSQL run share one Redis database."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


def _confirmation(address: str) -> tuple[str, str]:
    """The queued confirmation email to `address`: (subject, body)."""
    row = OutboundEmail.objects.get(kind=CONFIRM_KIND, recipients=[address])
    email = compose_address(address_notice_from_payload(row.payload))
    return str(email.subject), str(email.body)


def _link(body: str) -> str:
    match = re.search(r"https?://\S+/status/subscriptions/confirm/\S+/", body)
    assert match, body
    return urlsplit(match.group(0)).path


def test_an_email_subscription_starts_only_once_confirmed(client: Client) -> None:
    web07 = ComponentFactory(name="Web-07")
    ComponentFactory(name="DNS")
    response = client.post(reverse("status:subscribe"),
                           {"email": "ayse@example.net", "components": [web07.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('status:subscribe_done')}?state=pending"
    subscription = Subscription.objects.get(email="ayse@example.net")
    assert subscription.confirmed_at is None and subscription.user is None
    assert list(subscription.components.all()) == [web07]
    subject, body = _confirmation("ayse@example.net")
    assert "Confirm your subscription" in subject and "Web-07" in body

    link = _link(body)
    page = client.get(link)
    assert page.status_code == 200 and 'data-testid="confirm-subscription"' in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None  # a GET (a link scanner) confirms nothing
    assert client.post(link).status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    assert client.post(link).status_code == 200  # twice is harmless


def test_confirming_a_new_choice_replaces_the_addresses_earlier_subscription(
        client: Client) -> None:
    web07, dns = ComponentFactory(), ComponentFactory()
    client.post(reverse("status:subscribe"), {"email": "a@example.net", "components": [web07.pk]})
    first = Subscription.objects.get()
    client.post(_link(_confirmation("a@example.net")[1]))
    # Someone else asks to change it: nothing changes until the mailbox confirms.
    client.post(reverse("status:subscribe"), {"email": "A@example.net", "components": [dns.pk]})
    first.refresh_from_db()
    assert list(first.components.all()) == [web07] and first.confirmed_at is not None
    pending = Subscription.objects.exclude(pk=first.pk).get()
    signed = signing.dumps(pending.token, salt=CONFIRM_SALT)
    client.post(reverse("status:subscription_confirm", args=[signed]))
    assert list(Subscription.objects.values_list("pk", flat=True)) == [pending.pk]


def test_a_forged_confirmation_link_is_refused(client: Client) -> None:
    ComponentFactory()
    client.post(reverse("status:subscribe"), {"email": "a@example.net"})
    subscription = Subscription.objects.get()
    forged = signing.dumps(subscription.token, salt="something else")
    response = client.post(reverse("status:subscription_confirm", args=[forged]))
    assert response.status_code == 400
    assert 'data-testid="subscription-invalid"' in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_the_confirmation_email_is_in_the_visitors_language(client: Client) -> None:
    ComponentFactory(name="DNS", name_tr="Alan adı sunucuları")
    client.post(reverse("status:subscribe"), {"email": "b@example.net"},
                HTTP_ACCEPT_LANGUAGE="tr")
    subject, body = _confirmation("b@example.net")
    assert "aboneliğinizi onaylayın" in subject
    assert "tüm bileşenler için" in body
    assert Subscription.objects.get().language == "tr"


def test_unsubscribing_takes_one_click_without_a_session(client: Client) -> None:
    subscription = Subscription.objects.create(channel=SubscriptionChannel.EMAIL,
                                               email="c@example.net")
    path = reverse("status:unsubscribe", args=[subscription.token])
    assert unsubscribe_url(subscription).endswith(path)
    assert 'data-testid="unsubscribe-submit"' in client.get(path).content.decode()
    mail_client = Client(enforce_csrf_checks=True)  # RFC 8058: the mail client POSTs
    response = mail_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    assert mail_client.post(path).status_code == 200
    assert client.get(path).status_code == 404


def test_the_subscribe_form_is_rate_limited(client: Client) -> None:
    ComponentFactory()
    codes = [client.post(reverse("status:subscribe"), {"email": "victim@example.net"})
             .status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert OutboundEmail.objects.filter(kind=CONFIRM_KIND).count() == 3
    # and per client: other addresses from the same client soon hit the IP's limit
    more = [client.post(reverse("status:subscribe"), {"email": f"x{n}@example.net"})
            .status_code for n in range(4)]
    assert 429 in more


def test_bad_input_is_a_clear_error(client: Client) -> None:
    response = client.post(reverse("status:subscribe"), {"email": "not an address"})
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_a_signed_in_customer_subscribing_their_own_address_is_live_at_once(
        client: Client, customer: User) -> None:
    web07 = ComponentFactory()
    client.force_login(customer)
    response = client.post(reverse("status:subscribe"),
                           {"email": customer.email.upper(), "components": [web07.pk]})
    assert response["Location"].endswith("?state=live")
    subscription = Subscription.objects.get()
    assert subscription.user == customer and subscription.confirmed_at is not None
    assert not OutboundEmail.objects.filter(kind=CONFIRM_KIND).exists()


def test_webhooks_are_for_signed_in_customers_and_admins(client: Client) -> None:
    assert client.get(reverse("status:webhooks")).status_code == 302  # sign in first
    client.force_login(AgentFactory())
    assert client.get(reverse("status:webhooks")).status_code == 404


def test_a_customer_registers_a_webhook_and_sees_its_secret_once(client: Client) -> None:
    owner, other = CustomerFactory(), CustomerFactory()
    web07 = ComponentFactory(name="Web-07")
    client.force_login(owner)
    response = client.post(reverse("status:webhooks"),
                           {"url": "https://hooks.example.com/status", "components": [web07.pk]})
    hook = Subscription.objects.get()
    assert hook.channel == SubscriptionChannel.WEBHOOK and hook.user == owner
    assert hook.confirmed_at is not None
    assert hook.secret in response.content.decode()
    again = client.get(reverse("status:webhooks")).content.decode()
    assert hook.secret not in again and "https://hooks.example.com/status" in again

    refused = client.post(reverse("status:webhooks"), {"url": "http://plain.example.com/"})
    assert refused.status_code == 400 and Subscription.objects.count() == 1

    client.force_login(other)
    assert "hooks.example.com" not in client.get(reverse("status:webhooks")).content.decode()
    assert client.post(reverse("status:webhook_delete", args=[hook.pk])).status_code == 404
    admin = UserFactory(role=Role.ADMIN)
    client.force_login(admin)
    assert "hooks.example.com" in client.get(reverse("status:webhooks")).content.decode()
    assert client.post(reverse("status:webhook_delete", args=[hook.pk])).status_code == 302
    assert not Subscription.objects.exists()


def test_the_signature_is_hmac_sha256_of_the_body_with_the_secret() -> None:
    body = b'{"incident": 1}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature(secret="s3cret", body=body) == f"sha256={expected}"
