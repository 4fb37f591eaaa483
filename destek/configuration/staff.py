"""Staff changes made in Settings: inviting an agent (an account with no password yet, and an
email with a link to set one), changing a role or departments, deactivating. Roles are
recorded in the audit log as the admin site records them (ROLE_CHANGED).

The invitation link is allauth's password-reset link (a token over the password hash, the
last sign-in and the address: one use, expiring after PASSWORD_RESET_TIMEOUT), so setting
the password is allauth's own reset page; the address counts as verified, since the link
reached it."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from destek.accounts.domain_events import StaffChanged
from destek.accounts.emails import normalized_email
from destek.accounts.models import Department, Role, User
from destek.audit.log import Action, record
from destek.core.bus import publish
from destek.core.errors import ApplicationError
from destek.notifications.compose import AddressNotice
from destek.notifications.models import OutboundEmail
from destek.notifications.notify import notify_address
from destek.notifications.rendering import email_language


def invitation_url(user: User) -> str:
    token = allauth_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    path = reverse("account_reset_password_from_key",
                   kwargs={"uidb36": user_pk_to_url_str(user), "key": token})
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def invitation_send(*, user: User, inviter: User) -> OutboundEmail | None:
    """Queue the invitation email (again, for a resend: each has its own key)."""
    language = email_language(user.language)
    days = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))
    with translation.override(language):  # the role's name, in their language
        role = str(Role(user.role).label)
    notice = AddressNotice(
        key="staff_invitation", to=[user.email], language=language,
        context={"recipient_name": user.display_name, "inviter_name": inviter.display_name,
                 "role": role, "invite_url": invitation_url(user), "days": days,
                 "site_name": getattr(settings, "DESTEK_SITE_NAME", "Destek")},
        headers={"Auto-Submitted": "auto-generated"})
    key = f"staff-invitation:{user.pk}:{timezone.now().isoformat()}"
    return notify_address(notice=notice, kind="staff_invitation", idempotency_key=key)


def invitation_pending(user: User) -> bool:
    return user.last_login is None and not user.has_usable_password()


def staff_invite(*, request: HttpRequest, inviter: User, email: str, full_name: str,
                 role: str, language: str, departments: Iterable[Department]) -> User:
    email = normalized_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(_("Someone already has an account with this address."),
                               field="email")
    with transaction.atomic():
        user = User.objects.create_user(email, None, full_name=full_name, role=role,
                                        language=language)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        user.departments.set(list(departments))
        record(Action.ROLE_CHANGED, request=request, target=f"user:{user.pk}",
               user=user.email, old_role=None, new_role=user.role, via="settings_invitation")
        invitation_send(user=user, inviter=inviter)
        publish(StaffChanged())
    return user


def staff_update(*, request: HttpRequest, user: User, role: str, is_active: bool,
                 is_available: bool, max_open_tickets: int,
                 departments: Iterable[Department]) -> list[str]:
    """Save what changed; the names of the changed fields."""
    old = {"role": user.role, "is_active": user.is_active}
    changed = [name for name, value in (("role", role), ("is_active", is_active),
                                        ("is_available", is_available),
                                        ("max_open_tickets", max_open_tickets))
               if getattr(user, name) != value]
    wanted = {d.pk for d in departments}
    members_changed = wanted != set(user.departments.values_list("pk", flat=True))
    with transaction.atomic():
        if changed:
            user.role, user.is_active = role, is_active
            user.is_available, user.max_open_tickets = is_available, max_open_tickets
            user.save(update_fields=changed)
        if members_changed:
            user.departments.set(list(wanted))
            changed.append("departments")
        privileges = [f for f in ("role", "is_active") if f in changed]
        if privileges:
            record(Action.ROLE_CHANGED, request=request, target=f"user:{user.pk}",
                   user=user.email, old_role=old["role"], new_role=user.role,
                   old={f: old[f] for f in privileges},
                   new={f: getattr(user, f) for f in privileges}, via="settings")
        elif changed:
            record(Action.SETTINGS_CHANGED, request=request, target=f"user:{user.pk}",
                   change="changed", model="accounts.user", object=user.email,
                   fields=sorted(changed), via="settings")
        if changed:
            publish(StaffChanged())
    return changed
