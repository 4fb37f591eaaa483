"""The sections of Settings, in the order the sidebar lists them.

Each section is a page (or a few) made for people, in the desk's look; its module in `views/`
owns its forms. `admins_only` sections are hidden from supervisors and answer them 404;
`agents_too` sections also admit every agent (outsourced ones too), who see only their own there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from destek.accounts.models import User


@dataclass(frozen=True)
class Section:
    key: str  # the URL name under `settings:` of the section's first page
    title: str | Promise
    summary: str | Promise
    admins_only: bool = True
    agents_too: bool = False

    def admits(self, user: User) -> bool:
        return user.is_admin or (not self.admins_only and user.may_configure) or (
            self.agents_too and user.is_active and user.is_agent)


SECTIONS: tuple[Section, ...] = (
    Section("departments", _("Departments and routing"),
            _("Teams, who works in them, how tickets are assigned and where they go.")),
    Section("people", _("People"),
            _("Agents and their roles, outsourced agents' departments, invitations.")),
    Section("business_hours", _("Business hours"),
            _("Working hours and holidays the SLA clocks count."), admins_only=False),
    Section("sla_policies", _("SLA policies"),
            _("Response and resolution targets, and which tickets they apply to."),
            admins_only=False),
    Section("canned_responses", _("Canned responses"),
            _("Saved replies for tickets and chats, shared or personal, with placeholders."),
            admins_only=False, agents_too=True),
    Section("chat", _("Live chat"),
            _("The websites the chat widget may run on, its code to copy, hours and greeting.")),
    Section("branding", _("Branding"),
            _("Your name, logo, colour and favicon on the portal, emails and the widget.")),
    Section("mailboxes", _("Mailboxes"),
            _("Support addresses, their IMAP servers, sign-in and tests.")),
    Section("email_templates", _("Email templates"),
            _("What every email says, in both languages.")),
    Section("satisfaction", _("Satisfaction ratings"),
            _("How customers rate tickets and chats: the scale, changes, the email's links.")),
    Section("webhooks", _("Webhooks"),
            _("Signed webhooks and Slack, Teams or Mattermost rooms: events, deliveries, "
              "secrets.")),
    Section("triggers", _("Triggers"),
            _("Rules run when something happens to a ticket: raise the priority, route, tag, "
              "tell someone.")),
    Section("automations", _("Automations"),
            _("Rules run on tickets that have been in a status for a while: close, remind, "
              "escalate.")),
)


def sections_for(user: User) -> list[Section]:
    return [section for section in SECTIONS if section.admits(user)]


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)
