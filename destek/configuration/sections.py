"""The sections of Settings, in the order the sidebar lists them.

Each section is a page (or a few) made for people, in the desk's look; its module in `views/`
owns its forms. `admins_only` sections are hidden from supervisors and answer them 404.
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

    def admits(self, user: User) -> bool:
        return user.is_admin or (not self.admins_only and user.may_configure)


SECTIONS: tuple[Section, ...] = (
    # Issue 16's helpers add their sections here, one line each.
    Section("mailboxes", _("Mailboxes"),
            _("Support addresses, their IMAP servers, sign-in and tests.")),
    Section("email_templates", _("Email templates"),
            _("What every email says, in both languages.")),
)


def sections_for(user: User) -> list[Section]:
    return [section for section in SECTIONS if section.admits(user)]


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)
