"""Issue 12, hole 5: in the portal too, images from other hosts in an email wait until the
reader asks, for that one message (signed in or through the guest link)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from destek.tickets.access import guest_token_for
from destek.tickets.factories import open_ticket
from destek.tickets.models import Channel

pytestmark = pytest.mark.django_db

LOGO = "https://cdn.example/logo.png"


def img_src(response) -> list[str]:  # type: ignore[no-untyped-def]
    header = response.headers["Content-Security-Policy"]
    return next(p for p in header.split(";") if p.split()[0] == "img-src").split()[1:]


@pytest.fixture
def emailed(customer, department):  # type: ignore[no-untyped-def]
    return open_ticket(customer=customer, department=department, subject="Logo", body="Hi",
                       body_html=f'<p>Hi <img src="{LOGO}" alt="logo"></p>',
                       channel=Channel.EMAIL)


@pytest.mark.parametrize("guest", [False, True])
def test_remote_images_wait_for_the_reader(client, customer, emailed, guest):
    if guest:
        url = reverse("portal:guest_ticket", args=[guest_token_for(emailed)])
    else:
        client.force_login(customer)
        url = reverse("portal:ticket_detail", args=[emailed.pk])
    message = emailed.messages.get()
    page = client.get(url)
    assert page.status_code == 200
    assert f' src="{LOGO}"' not in page.text and f'data-remote-src="{LOGO}"' in page.text
    assert f'href="?remote_images={message.pk}#message-{message.pk}"' in page.text
    assert img_src(page) == ["'self'", "data:"]

    asked = client.get(url, {"remote_images": message.pk})
    assert f' src="{LOGO}"' in asked.text and 'data-testid="hide-remote-images"' in asked.text
    assert img_src(asked) == ["'self'", "data:", "https:", "http:"]


def test_the_portal_control_speaks_turkish(client, customer, emailed):
    client.force_login(customer)
    client.cookies["django_language"] = "tr"
    page = client.get(reverse("portal:ticket_detail", args=[emailed.pk]))
    assert "Uzak görselleri göster" in page.text
    assert "görseller yüklenmedi" in page.text
