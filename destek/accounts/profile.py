"""A person's own profile: name, phone, language, time zone and email choice.

The email address is not here: it changes through allauth's email management (verified
first), whose change reaches the audit log through the account adapter.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from destek.accounts.models import User
from destek.accounts.zones import is_known_zone
from destek.audit.log import Action, record
from destek.core.errors import ApplicationError

MAX_PHONE_INPUT = 40


def phone_region() -> str:
    """Where a number written without its country code is taken to be (ISO 3166 code)."""
    return (getattr(settings, "DESTEK_PHONE_REGION", "") or "TR").upper()


def normalized_phone(text: str) -> str:
    """`text` as an E.164 number (+905321234567); "" for an empty one. A number without a
    country code is read as one of `phone_region()`. ApplicationError when it is not a
    number that can exist."""
    text = text.strip()
    if not text:
        return ""
    if len(text) > MAX_PHONE_INPUT:
        raise ApplicationError(_("Enter a valid phone number, e.g. +90 532 123 45 67."),
                               field="phone")
    try:
        number = phonenumbers.parse(text, phone_region())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ApplicationError(_("Enter a valid phone number, e.g. +90 532 123 45 67."),
                               field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class ProfileChanges:
    full_name: str
    phone: str
    language: str
    time_zone: str
    email_notifications: bool


def profile_update(*, actor: User, changes: ProfileChanges,
                   request: HttpRequest | None = None) -> list[str]:
    """Save `actor`'s own profile; returns the fields that changed. A new phone number is
    recorded in the audit log (the old and new numbers are not: only that it changed)."""
    if not actor.is_authenticated or not actor.is_active:
        raise ApplicationError(_("Sign in to change your profile."))
    languages = {code for code, _name in settings.LANGUAGES}
    if changes.language not in languages:
        raise ApplicationError(_("Choose a valid language."), field="language")
    if changes.time_zone and not is_known_zone(changes.time_zone):
        raise ApplicationError(_("Choose a valid time zone."), field="time_zone")
    values = {
        "full_name": " ".join(changes.full_name.split())[:200],
        "phone": normalized_phone(changes.phone),
        "language": changes.language,
        "language_chosen": True,  # saved from the form: no longer the browser's to decide
        "time_zone": changes.time_zone,
        "email_notifications": changes.email_notifications,
    }
    changed = [name for name, value in values.items() if getattr(actor, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(actor, name, values[name])
        actor.save(update_fields=changed)
        if "phone" in changed:
            record(Action.CONTACT_CHANGED, actor=actor, request=request,
                   target=f"user:{actor.pk}", change="phone_changed" if actor.phone
                   else "phone_removed")
    return changed
