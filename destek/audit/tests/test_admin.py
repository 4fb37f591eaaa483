"""Changes made in the Django admin (the product's settings) are recorded with the changed
field names and never their values; a role change says the old and the new role; the audit
log itself is read-only there."""

from __future__ import annotations

import pytest
from django.test import Client

from destek.accounts.factories import DepartmentFactory
from destek.accounts.models import Department, Role, User
from destek.audit.log import record
from destek.audit.models import Action
from destek.audit.tests.conftest import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_web(admin_user: User) -> Client:
    web = Client()
    web.force_login(admin_user)
    return web


def _user_form(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email, "full_name": user.full_name, "phone": user.phone,
        "language": user.language, "organization": "", "role": user.role,
        "is_available": "on" if user.is_available else "",
        "max_open_tickets": user.max_open_tickets,
        "is_active": "on", "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "MembershipInline-TOTAL_FORMS": 0, "MembershipInline-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_role_change_in_the_admin_records_old_and_new(admin_web, admin_user, agent):
    response = admin_web.post(f"/admin/accounts/user/{agent.pk}/change/",
                              _user_form(agent, role=Role.SUPERVISOR),
                              REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 302, response.content[:3000]
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR
    [event] = events(Action.ROLE_CHANGED)
    assert event.actor == admin_user
    assert event.ip == "198.51.100.3"
    assert event.target == f"user:{agent.pk}"
    assert event.detail["old_role"] == Role.AGENT
    assert event.detail["new_role"] == Role.SUPERVISOR
    assert event.detail["old"] == {"role": "agent"}
    assert event.detail["user"] == agent.email
    # The same save is also a settings change naming the field.
    [change] = events(Action.SETTINGS_CHANGED)
    assert change.detail["fields"] == ["Role"]


def test_an_edit_that_keeps_the_role_is_no_role_change(admin_web, agent):
    admin_web.post(f"/admin/accounts/user/{agent.pk}/change/",
                   _user_form(agent, full_name="Renamed Agent"))
    assert not events(Action.ROLE_CHANGED)
    [change] = events(Action.SETTINGS_CHANGED)
    assert change.detail["change"] == "changed"


def test_creating_a_superuser_from_the_command_line_is_recorded(db):
    user = User.objects.create_superuser("root@example.com", "a-long-password-77")
    [event] = events(Action.ROLE_CHANGED)
    assert event.target == f"user:{user.pk}"
    assert event.detail["new_role"] == Role.ADMIN
    assert event.detail["via"] == "create_superuser"


def _admin_form_data(web: Client, url: str, **values: object) -> dict[str, object]:
    """What the admin's add or change page would post: its form's initial values, empty
    inlines, and `values`."""
    response = web.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        data[name] = value
    data.update(values)
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    posted: dict[str, object] = {}
    for key, value in data.items():
        if value is True:
            posted[key] = "on"
        elif value is not None and value is not False and value != "":
            posted[key] = getattr(value, "pk", value)
    return posted


def test_department_add_change_delete_are_settings_changes(admin_web, admin_user):
    response = admin_web.post("/admin/accounts/department/add/", _admin_form_data(
        admin_web, "/admin/accounts/department/add/", name="Domains", name_tr="Alan adları"))
    assert response.status_code == 302
    department = Department.objects.get(name="Domains")
    [added] = events(Action.SETTINGS_CHANGED)
    assert added.actor == admin_user
    assert added.target == f"accounts.department:{department.pk}"
    assert added.detail["change"] == "added"
    assert added.detail["model"] == "accounts.department"

    other = DepartmentFactory(name="Old name")
    admin_web.post("/admin/accounts/department/", {
        "action": "delete_selected", "_selected_action": [other.pk], "post": "yes"})
    assert not Department.objects.filter(pk=other.pk).exists()
    deleted = events(Action.SETTINGS_CHANGED)[-1]
    assert deleted.detail == {"change": "deleted", "model": "accounts.department",
                              "object": "Old name"}


def test_a_mailbox_password_is_never_recorded(admin_web, department):
    from destek.mail.models import Mailbox

    data = _admin_form_data(
        admin_web, "/admin/mail/mailbox/add/", name="Support", address="support@example.com",
        department=department.pk, imap_host="imap.example.com", imap_username="support",
        imap_password="s3cret-imap-pass")
    response = admin_web.post("/admin/mail/mailbox/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    mailbox = Mailbox.objects.get()
    [added] = events(Action.SETTINGS_CHANGED)
    assert added.target == f"mail.mailbox:{mailbox.pk}"
    data["imap_password"] = "n3w-s3cret-pass"
    response = admin_web.post(f"/admin/mail/mailbox/{mailbox.pk}/change/", data)
    assert response.status_code == 302
    changed = events(Action.SETTINGS_CHANGED)[-1]
    assert changed.detail["fields"] == ["IMAP password"]
    assert "s3cret" not in str(added.__dict__) + str(changed.__dict__)


def test_the_audit_log_is_read_only_in_the_admin(admin_web, admin_user):
    event = record(Action.SIGN_IN, actor=admin_user, target=f"user:{admin_user.pk}")
    listing = admin_web.get("/admin/audit/auditevent/", {"q": admin_user.email[:5]})
    assert listing.status_code == 200
    assert admin_user.email in listing.content.decode()
    assert admin_web.get("/admin/audit/auditevent/add/").status_code == 403
    detail = admin_web.post(f"/admin/audit/auditevent/{event.pk}/change/", {"target": "x"})
    assert detail.status_code in (200, 403)
    event.refresh_from_db()
    assert event.target == f"user:{admin_user.pk}"
    assert admin_web.post(f"/admin/audit/auditevent/{event.pk}/delete/",
                          {"post": "yes"}).status_code == 403


def test_tokens_added_or_deleted_in_the_admin_are_token_events(admin_web, customer):
    from rest_framework.authtoken.models import Token

    response = admin_web.post("/admin/authtoken/tokenproxy/add/", {"user": customer.pk})
    assert response.status_code == 302
    token = Token.objects.get(user=customer)
    [created] = events(Action.TOKEN_CREATED)
    assert created.target == f"user:{customer.pk}"
    assert created.detail == {"via": "admin"}
    response = admin_web.post(f"/admin/authtoken/tokenproxy/{customer.pk}/delete/",
                              {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=customer).exists()
    [revoked] = events(Action.TOKEN_REVOKED)
    assert revoked.target == f"user:{customer.pk}"
    assert not events(Action.SETTINGS_CHANGED)
    assert token.key not in str([e.__dict__ for e in events()])


def test_signing_out_of_the_admin_is_recorded(admin_web, admin_user):
    response = admin_web.post("/admin/logout/")
    assert response.status_code == 200
    [event] = events(Action.SIGN_OUT)
    assert event.actor == admin_user
    assert event.detail == {"via": "admin"}
