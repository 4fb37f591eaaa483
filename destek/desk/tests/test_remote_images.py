"""Issue 12, hole 5: images from other hosts in an email are not fetched by the reader's browser
until the reader asks, for that one message (the desk here, the portal in portal/tests)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from destek.core.sanitize import block_remote_images, sanitize_html
from destek.tickets.factories import open_ticket, reply
from destek.tickets.models import Channel

pytestmark = pytest.mark.django_db

PIXEL = "https://tracker.example/open.gif?u=42&amp;t=7"
LOGO = "http://cdn.example/logo.png"
STORED = "/portal/attachments/1/"  # a cid: part, rewritten to Destek's own download URL
EMAIL = (f'<p>Hello</p><img src="{PIXEL}" width="1" height="1">'
         f'<p><img src="{LOGO}" alt="Example logo"><img src="{STORED}" alt="inline">'
         '<img src="cid:part1@example">'
         '<img src="//protocol-relative.example/x.png"></p>')


def csp(response) -> str:  # type: ignore[no-untyped-def]
    return response.headers["Content-Security-Policy"]


def img_src(response) -> list[str]:  # type: ignore[no-untyped-def]
    part = next(p for p in csp(response).split(";") if p.split()[0] == "img-src")
    return part.split()[1:]


@pytest.fixture
def emailed(customer, department, agent):  # type: ignore[no-untyped-def]
    ticket = open_ticket(customer=customer, department=department, subject="Newsletter",
                         body="Hello", body_html=EMAIL, channel=Channel.EMAIL)
    later = reply(ticket=ticket, author=customer, body="Again", channel=Channel.EMAIL,
                  body_html=f'<p>Again <img src="{LOGO}"></p>').message
    return ticket, ticket.messages.order_by("pk").first(), later


def test_the_desk_shows_placeholders_until_the_agent_asks(agent_client, emailed):
    ticket, first, later = emailed
    url = reverse("desk:ticket", args=[ticket.pk])
    page = agent_client.get(url)
    text = page.text
    # Neither the tracking pixel nor the logo is requested by the agent's browser...
    assert f' src="{PIXEL}"' not in text and f' src="{LOGO}"' not in text
    assert ' src="//protocol-relative.example/x.png"' not in text
    assert f'data-remote-src="{PIXEL}"' in text and f'data-remote-src="{LOGO}"' in text
    assert 'src="/static/destek/remote-image.svg"' in text
    # ...nor could it: the policy allows images from Destek only.
    assert img_src(page) == ["'self'", "data:"]
    # Images stored with the message keep working.
    assert f'src="{STORED}"' in text and 'src="cid:part1@example"' in text
    for message in (first, later):
        assert f'data-testid="show-remote-images-{message.pk}"' in text
        assert f'href="?remote_images={message.pk}#message-{message.pk}"' in text

    asked = agent_client.get(url, {"remote_images": first.pk})
    shown = asked.text
    assert f' src="{PIXEL}"' in shown and f' src="{LOGO}"' in shown  # that message's images
    assert f'data-testid="hide-remote-images-{first.pk}"' in shown
    # The other message keeps its placeholder.
    assert f'data-testid="show-remote-images-{later.pk}"' in shown
    assert shown.count(f' src="{LOGO}"') == 1
    assert img_src(asked) == ["'self'", "data:", "https:", "http:"]  # this response only
    assert img_src(agent_client.get(url)) == ["'self'", "data:"]


def test_nonsense_in_the_parameter_is_ignored(agent_client, emailed):
    ticket, _first, _later = emailed
    url = reverse("desk:ticket", args=[ticket.pk])
    for value in ("abc", "-1", "٣", "9" * 40, ""):
        response = agent_client.get(url, {"remote_images": value})
        assert response.status_code == 200
        assert f' src="{LOGO}"' not in response.text
        assert img_src(response) == ["'self'", "data:"]


def test_the_control_speaks_turkish(agent_client, emailed):
    ticket, first, _later = emailed
    url = reverse("desk:ticket", args=[ticket.pk])
    agent_client.cookies["django_language"] = "tr"
    page = agent_client.get(url)
    assert "Uzak görselleri göster" in page.text
    assert "Uzak görselleri gizle" in agent_client.get(url, {"remote_images": first.pk}).text


def test_the_ticket_page_costs_no_extra_query(agent_client, emailed):
    ticket, first, _later = emailed
    url = reverse("desk:ticket", args=[ticket.pk])
    agent_client.get(url)
    with CaptureQueriesContext(connection) as plain:
        agent_client.get(url)
    with CaptureQueriesContext(connection) as asked:
        agent_client.get(url, {"remote_images": first.pk})
    assert len(asked) == len(plain)


def test_block_remote_images_keeps_everything_else():
    clean = sanitize_html('<p title="a&quot;b">x &lt; y <img src="https://t.example/p.gif" '
                          'alt="a>b"> <a href="https://example.com/">link</a></p>')
    found = block_remote_images(clean, placeholder="/static/p.svg")
    assert found.blocked
    assert found.html == (
        '<p title="a&quot;b">x &lt; y <img src="/static/p.svg" alt="a&gt;b" '
        'data-remote-src="https://t.example/p.gif" class="remote-image-blocked"> '
        '<a href="https://example.com/" rel="noopener noreferrer nofollow">link</a></p>')
    assert block_remote_images("<p>no images</p>", placeholder="/p.svg").blocked is False
    local = sanitize_html('<img src="/portal/attachments/3/">')
    assert block_remote_images(local, placeholder="/p.svg").html == local
