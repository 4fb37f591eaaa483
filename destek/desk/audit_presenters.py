"""What the audit log page shows of each event (typed rows for the template)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import pgettext_lazy

from destek.accounts.models import Role
from destek.audit.models import Action, AuditEvent

ACTION_LABELS = dict(Action.choices)
ROLE_LABELS = dict(Role.choices)
ROLE_KEYS = frozenset({"old_role", "new_role"})


# What the product records in an event's detail, in words; anything else is shown as stored.
DETAIL_LABELS = {
    "reason": pgettext_lazy("audit detail", "reason"),
    "method": pgettext_lazy("audit detail", "how"),
    "change": pgettext_lazy("audit detail", "change"),
    "fields": pgettext_lazy("audit detail", "fields"),
    "related": pgettext_lazy("audit detail", "related rows"),
    "model": pgettext_lazy("audit detail", "kind"),
    "object": pgettext_lazy("audit detail", "object"),
    "old_role": pgettext_lazy("audit detail", "old role"),
    "new_role": pgettext_lazy("audit detail", "new role"),
    "user": pgettext_lazy("audit detail", "account"),
    "via": pgettext_lazy("audit detail", "through"),
    "deleted": pgettext_lazy("audit detail", "deleted"),
    "retention_days": pgettext_lazy("audit detail", "kept for (days)"),
    "rule": pgettext_lazy("audit detail", "rule"),
    # Customers' data rights (destek.privacy) and refused attachments (destek.mail).
    "export": pgettext_lazy("audit detail", "export"),
    "tickets": pgettext_lazy("audit detail", "tickets"),
    "messages": pgettext_lazy("audit detail", "messages"),
    "attachments": pgettext_lazy("audit detail", "attachments"),
    "chats": pgettext_lazy("audit detail", "chats"),
    "inbound_emails": pgettext_lazy("audit detail", "received emails"),
    "outbound_emails": pgettext_lazy("audit detail", "sent emails"),
    "raw_emails": pgettext_lazy("audit detail", "raw emails"),
    "closed_tickets": pgettext_lazy("audit detail", "closed tickets"),
    "before": pgettext_lazy("audit detail", "before"),
    "after": pgettext_lazy("audit detail", "after"),
    "part": pgettext_lazy("audit detail", "part"),
    "name": pgettext_lazy("audit detail", "file name"),
}

VALUE_LABELS = {
    "wrong_credentials": pgettext_lazy("audit detail", "wrong email address or password"),
    "too_many_attempts": pgettext_lazy("audit detail", "too many failed attempts"),
    "wrong_mfa_code": pgettext_lazy("audit detail", "wrong two-factor code"),
    "mfa_required": pgettext_lazy("audit detail", "two-factor authentication not set up"),
    "mfa_enabled": pgettext_lazy("audit detail", "two-factor accounts sign in on the web"),
    "email_unverified": pgettext_lazy("audit detail", "email address not verified"),
    "inactive": pgettext_lazy("audit detail", "account deactivated"),
    "web": pgettext_lazy("audit detail", "sign-in page"),
    "api_password": pgettext_lazy("audit detail", "API, with a password"),
    "mfa": pgettext_lazy("audit detail", "second factor"),
    "admin": pgettext_lazy("audit detail", "admin site"),
    "create_superuser": pgettext_lazy("audit detail", "command line"),
    "totp_activated": pgettext_lazy("audit detail", "authenticator app added"),
    "totp_deactivated": pgettext_lazy("audit detail", "authenticator app removed"),
    "recovery_codes_generated": pgettext_lazy("audit detail", "recovery codes generated"),
    "webauthn_added": pgettext_lazy("audit detail", "security key added"),
    "webauthn_removed": pgettext_lazy("audit detail", "security key removed"),
    "password_changed": pgettext_lazy("audit detail", "password changed"),
    "password_set": pgettext_lazy("audit detail", "password set"),
    "password_reset": pgettext_lazy("audit detail", "password reset"),
    "added": pgettext_lazy("audit detail", "added"),
    "changed": pgettext_lazy("audit detail", "changed"),
}


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action: str
    action_label: str
    who: str
    ip: str
    user_agent: str
    target: str
    detail: list[tuple[str, str]]


def _detail_value(key: str, value: Any) -> str:
    if key in ROLE_KEYS and value in ROLE_LABELS:
        return str(ROLE_LABELS[value])
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return "—" if value is None else str(value)


def audit_rows(events: list[AuditEvent]) -> list[AuditRow]:
    return [
        AuditRow(
            id=e.pk, at=e.at, action=e.action,
            action_label=str(ACTION_LABELS.get(e.action, e.action)), who=e.actor_label,
            ip=e.ip or "", user_agent=e.user_agent, target=e.target,
            detail=[(str(DETAIL_LABELS.get(k, k)), _detail_value(k, v))
                    for k, v in (e.detail or {}).items()],
        )
        for e in events
    ]


def action_options(selected: str) -> list[dict[str, Any]]:
    return [{"value": value, "label": str(label), "selected": value == selected}
            for value, label in Action.choices]
