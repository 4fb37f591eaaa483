"""The `customer_services` tag writes the customer panel's services exactly as the template
loop it replaced did: same markup, every value escaped, in both languages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from destek.desk.customer_history import HistoryItem
from destek.desk.customer_panel import CustomerPanel, ServiceView, _words

# The loop as desk/_customer_panel.html had it before the tag (issue 15).
LOOP = (Path(__file__).parent / "services_loop_before_tag.html").read_text().rstrip("\n")
TAG = """{% load desk_tags %}<ul>
    {% customer_services panel %}
  </ul>"""

HOSTILE = '<script>alert("x")</script> & \'quotes\''

FULL = ServiceView(
    pk=150066, label="shop.example.com", kind_label="Shared hosting", plan="Business 5GB",
    status="active", status_label="Active", status_badge="text-bg-success",
    domain="shop.example.com", server="web07.ist", datacenter="Istanbul",
    renews_label="12/9/2026", renews_iso="2026-12-09", renewal="soon",
    renewal_class="text-warning-emphasis fw-semibold", renewal_note="(due soon)",
    panel_label="cPanel", panel_url="https://web07.ist.example.net:2083/",
    server_url="/desk/?server=web07.ist", plan_url="/desk/?plan=Business+5GB")
BARE = ServiceView(
    pk=7, label="Other", kind_label="Other", plan="", status="cancelled",
    status_label="Cancelled", status_badge="text-bg-secondary", domain="", server="",
    datacenter="", renews_label="", renews_iso="", renewal="", renewal_class="",
    renewal_note="", panel_label="Control panel", panel_url="", server_url="", plan_url="")
ESCAPED = replace(FULL, pk=8, label=HOSTILE, plan=HOSTILE, server=HOSTILE, datacenter=HOSTILE,
                  plan_url=f"/desk/?plan={HOSTILE}", server_url=f'/desk/?server="{HOSTILE}',
                  panel_url=f"https://x.example/?a=1&b={HOSTILE}", panel_label=HOSTILE,
                  kind_label=HOSTILE, status_label=HOSTILE, renews_label=HOSTILE,
                  renewal_note=HOSTILE)


def panel(services: list[ServiceView], beside: str = "ticket") -> CustomerPanel:
    return CustomerPanel(
        customer_id=1, words=_words(beside), link_target="_blank" if beside == "chat" else "_self",
        ticket_service=services[0] if services and services[0].is_subject else None,
        services=services, more_services=False, tier="standard", tier_label="Standard",
        tier_badge="", monthly_value="", customer_since="", open_tickets=list[HistoryItem](),
        history=list[HistoryItem]())


@pytest.mark.parametrize("language", ["en", "tr"])
@pytest.mark.parametrize("services, beside", [
    ([], "ticket"),
    ([replace(FULL, is_subject=True), BARE, ESCAPED], "ticket"),
    ([FULL, replace(BARE, renewal="past", renews_label="1/9/2026", renews_iso="2026-09-01",
                    renewal_class="text-danger fw-semibold", renewal_note="(overdue)")], "chat"),
    ([replace(ESCAPED, is_subject=True)], "chat"),
])
def test_the_tag_writes_what_the_template_loop_wrote(services, beside, language):
    django = engines["django"]
    with translation.override(language):
        shown = panel(services, beside)
        expected = django.from_string(LOOP).render({"panel": shown})
        written = django.from_string(TAG).render({"panel": shown})
    assert written == expected
    assert "<script>" not in written
