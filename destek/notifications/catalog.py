"""Every email the product sends from a template, what each template is given, and sample
values to preview it with (Settings → Email templates).

The shipped texts are files named notifications/<key>.<lang>.subject.txt and .txt in the apps
that send them (notifications, sla, livechat, privacy); an admin's EmailTemplate row replaces
one for one language. Keys are plain strings: notifications does not import those apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from destek.notifications.values import Duration, Translated


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str | Promise


@dataclass(frozen=True)
class EmailKind:
    key: str
    title: str | Promise
    recipient: str | Promise  # who receives it
    placeholders: tuple[Placeholder, ...]


def _p(name: str, description: str | Promise) -> Placeholder:
    return Placeholder(name, description)


RECIPIENT = _p("recipient_name", _("the recipient's name"))
SITE = _p("site_name", _("the name of this help desk"))
TICKET = (
    RECIPIENT,
    _p("reference", _("the ticket's reference, e.g. T-1042")),
    _p("subject", _("the ticket's subject")),
    _p("ticket_url", _("the link to the ticket")),
    _p("message_text", _("the text of the message the email is about")),
    _p("author_name", _("who wrote that message")),
    _p("customer_name", _("the customer's name")),
    _p("customer_email", _("the customer's email address")),
    _p("department", _("the ticket's department")),
    _p("priority", _("the ticket's priority")),
    _p("status", _("the ticket's status")),
    _p("attachment_names", _("the names of the attached files (a list)")),
    SITE,
)
SLA = (
    _p("metric", _("the SLA target concerned (first response, resolution…)")),
    _p("target", _("the target's duration")),
    _p("due_at", _("when the target is due (a date and time)")),
    _p("assignee_name", _("the assigned agent's name")),
)

KINDS: tuple[EmailKind, ...] = (
    EmailKind("ticket_opened", _("Ticket opened"), _("the customer"),
              (*TICKET, _p("opened_by_agent", _("true when an agent opened the ticket")))),
    EmailKind("agent_reply", _("Agent replied"), _("the customer"), TICKET),
    EmailKind("customer_replied", _("Customer replied"), _("the assigned agent"), TICKET),
    EmailKind("agent_assigned", _("Ticket assigned"), _("the assigned agent"),
              (*TICKET, _p("assigned_by", _("who assigned it (empty: automatic)")))),
    EmailKind("sla_warning", _("SLA warning"), _("the assigned agent"), (*TICKET, *SLA)),
    EmailKind("sla_breach", _("SLA breached"), _("the agent or the supervisor"),
              (*TICKET, *SLA, _p("escalated", _("true when sent to the supervisor")))),
    EmailKind("sla_progress_reminder", _("Progress update due"), _("the assigned agent"),
              (*TICKET, _p("opened_at", _("when the ticket was opened")),
               _p("last_update_at", _("when the customer was last updated")),
               _p("customer_update_at",
                  _("when the customer gets an automatic update if nobody writes")))),
    EmailKind("sla_progress_update", _("Progress update"), _("the customer"),
              (*TICKET,
               _p("assignee_name", _("the assigned agent's name (empty: nobody yet)")),
               _p("waiting_for", _("what a ticket on hold waits for (empty otherwise)")),
               _p("waiting_note", _("the agent's note on what it waits for, as written")),
               _p("last_update_at", _("when the latest public answer was written")),
               _p("next_update_at", _("when the next update comes at the latest")))),
    EmailKind("sla_on_call", _("On-call alert"), _("the agent on call"), (*TICKET, *SLA)),
    # Agents who follow a ticket or were @mentioned in an internal note (followers.py).
    EmailKind("ticket_mentioned", _("Mentioned in a note"), _("the @mentioned agent"),
              (*TICKET, _p("actor_name", _("who wrote the note")))),
    EmailKind("followed_customer_replied", _("Followed ticket: customer replied"),
              _("the ticket's followers"), TICKET),
    EmailKind("followed_status_changed", _("Followed ticket: status changed"),
              _("the ticket's followers"),
              (*TICKET, _p("actor_name", _("who changed it (empty: automatic)")),
               _p("previous_status", _("the status before the change")))),
    EmailKind("chat_transcript", _("Chat transcript"), _("the visitor"),
              (RECIPIENT, _p("started_at", _("when the chat started")),
               _p("lines", _("the conversation's lines (a list)")), SITE)),
    EmailKind("export_ready", _("Data export ready"), _("the customer or the admin"),
              (RECIPIENT, _p("for_self", _("true when the export is the recipient's own data")),
               _p("customer_name", _("the customer's name")),
               _p("customer_email", _("the customer's email address")),
               _p("download_url", _("the download link")),
               _p("expires_at", _("until when the file can be downloaded")), SITE)),
    EmailKind("ticket_resolved", _("Ticket resolved or closed"), _("the customer"),
              (*TICKET, _p("is_closed", _("true when closed, false when resolved")),
               _p("reopen_url", _("the one-click link that reopens the ticket")),
               _p("reopen_days", _("for how many days the reopen link works")))),
    # destek.status: sent to the customers an incident affects and to its subscribers.
    EmailKind("status_incident_update", _("Incident or maintenance update"),
              _("affected customers and subscribers"),
              (RECIPIENT,
               _p("is_maintenance", _("true for a scheduled maintenance")),
               _p("title", _("the incident's title")),
               _p("state", _("the incident's state after this update")),
               _p("impact", _("the incident's impact")),
               _p("update_text", _("the text of the update")),
               _p("components", _("the affected components (a list)")),
               _p("window_start", _("when the maintenance starts (empty for an incident)")),
               _p("window_end", _("when the maintenance ends")),
               _p("incident_url", _("the incident's page on the status page")),
               _p("unsubscribe_url", _("the link to stop the emails (subscribers only)")),
               SITE)),
    # Sent by destek.feedback once per ticket when it is resolved (feedback/asking.py).
    EmailKind("csat_survey", _("Satisfaction survey"), _("the customer"),
              (*TICKET,
               _p("rating_links", _("the one-click answers, each with label and url (a list)")),
               _p("is_five_point", _("true when the answers are 1 to 5 stars")),
               _p("link_days", _("for how many days the rating links work")))),
    # The periodic NPS survey (destek.feedback.nps).
    EmailKind("nps_survey", _("NPS survey"), _("the customer"),
              (RECIPIENT, _p("score_urls", _("the eleven answer links, for 0 to 10 (a list)")),
               _p("unsubscribe_url", _("the link that stops the survey")),
               _p("valid_days", _("for how many days the answer links work")), SITE)),
    # The suggestions board (destek.ideas): a status change, to everyone who posted, voted
    # or commented.
    EmailKind("idea_status_changed", _("Suggestion status changed"),
              _("who posted, voted for or commented on the suggestion"),
              (RECIPIENT, _p("idea_title", _("the suggestion's title")),
               _p("idea_url", _("the link to the suggestion")),
               _p("status", _("the suggestion's new status")),
               _p("previous_status", _("the status before the change")),
               _p("official_response", _("the team's official response (may be empty)")),
               SITE)),
    # destek.feedback.recovery: a recovery ticket was resolved; the link opens the rated
    # ticket in the portal, where its rating can be changed.
    EmailKind("feedback_reask", _("How did we do now?"), _("the customer"), TICKET),
    # destek.webhooks.alerts: an endpoint disabled after failing again and again.
    EmailKind("webhook_disabled", _("Webhook disabled"), _("the administrators"),
              (RECIPIENT, _p("endpoint_name", _("the webhook's name")),
               _p("endpoint_url", _("the webhook's URL")),
               _p("failures", _("how many attempts in a row failed")),
               _p("settings_url", _("the link to the webhooks' settings")), SITE)),
    # destek.automation: a trigger's or an automation's email; its subject and text are the
    # rule's own (placeholders already filled, in the recipient's language).
    EmailKind("rule_email", _("Email sent by a rule"),
              _("the customer, the assignee or the rule's addresses"),
              (*TICKET, _p("rule_subject", _("the subject written in the rule")),
               _p("rule_body", _("the text written in the rule")))),
)


def kind(key: str) -> EmailKind | None:
    return next((k for k in KINDS if k.key == key), None)


def sample_context(key: str) -> dict[str, Any]:
    """Made-up values for every placeholder of `key`, for the preview (call it inside
    translation.override: the texts are in the preview's language)."""
    now = timezone.now()
    values: dict[str, Any] = {
        "recipient_name": "Deniz Yılmaz",
        "reference": "T-1042",
        "subject": _t("My website shows a database error"),
        "ticket_url": f"{settings.BASE_URL.rstrip('/')}/portal/tickets/T-1042/",
        "message_text": _t("Since this morning my site says it cannot connect to the "
                           "database. Can you help?"),
        "author_name": "Deniz Yılmaz",
        "customer_name": "Deniz Yılmaz",
        "customer_email": "deniz@example.com",
        "department": _t("Technical support"),
        "priority": _t("High"),
        "status": _t("Open"),
        "attachment_names": ["error.png"],
        "site_name": getattr(settings, "DESTEK_SITE_NAME", "Destek"),
        "opened_by_agent": False,
        "assigned_by": "Ayşe Kaya",
        "metric": Translated("First response"),
        "target": Duration(60),
        "due_at": now + timedelta(minutes=20),
        "assignee_name": "Ayşe Kaya",
        "escalated": False,
        "actor_name": "Ayşe Kaya",
        "previous_status": _t("New"),
        "opened_at": now - timedelta(days=2),
        "last_update_at": now - timedelta(days=1),
        "started_at": now.strftime("%Y-%m-%d %H:%M"),
        "lines": ["Deniz Yılmaz: " + _t("Hello, is my domain renewed?"),
                  "Ayşe Kaya: " + _t("Yes, until next year.")],
        "for_self": True,
        "download_url": f"{settings.BASE_URL.rstrip('/')}/portal/data/",
        "expires_at": now + timedelta(days=7),
        "waiting_for": _t("your reply: please answer our last message so that we can go on"),
        "waiting_note": "",
        "next_update_at": now + timedelta(hours=4),
        "customer_update_at": now + timedelta(hours=1),
        "is_closed": False,
        "reopen_url": f"{settings.BASE_URL.rstrip('/')}/portal/reopen/sample/",
        "reopen_days": 30,
        "is_maintenance": False,
        "title": _t("Web server web-07 is unreachable"),
        "state": _t("Identified"),
        "impact": _t("Major"),
        "update_text": _t("A failed disk is being replaced; sites will be back shortly."),
        "components": ["Shared hosting – web-07"],
        "window_start": "",
        "window_end": "",
        "incident_url": f"{settings.BASE_URL.rstrip('/')}/status/incidents/7/",
        "rating_links": [
            {"label": _t("Good"), "url": f"{settings.BASE_URL.rstrip('/')}/portal/rate/good/"},
            {"label": _t("Okay"), "url": f"{settings.BASE_URL.rstrip('/')}/portal/rate/okay/"},
            {"label": _t("Bad"), "url": f"{settings.BASE_URL.rstrip('/')}/portal/rate/bad/"}],
        "is_five_point": False,
        "link_days": 30,
        "score_urls": [f"{settings.BASE_URL.rstrip('/')}/feedback/nps/answer/sample/{n}/"
                       for n in range(11)],
        "unsubscribe_url": f"{settings.BASE_URL.rstrip('/')}/feedback/nps/unsubscribe/sample/",
        "valid_days": 30,
        "idea_title": _t("Let's Encrypt wildcard certificates"),
        "idea_url": f"{settings.BASE_URL.rstrip('/')}/ideas/42/",
        "official_response": _t("We are adding this to the control panel next month."),
        "endpoint_name": "CRM",
        "endpoint_url": "https://crm.example.com/destek/hooks",
        "failures": 20,
        "settings_url": f"{settings.BASE_URL.rstrip('/')}/desk/settings/webhooks/",
        "rule_subject": _t("Your request T-1042 is waiting for your reply"),
        "rule_body": _t("Hello Deniz Yılmaz, we are still waiting for your answer on "
                        "T-1042."),
    }
    found = kind(key)
    names = {p.name for p in found.placeholders} if found else set(values)
    return {name: value for name, value in values.items() if name in names}
