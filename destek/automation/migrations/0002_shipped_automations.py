"""The shipped automations, editable (Settings → Automations), never re-created once deleted:
- resolved tickets close after 7 days (active: the shipped default; closing a resolved ticket
  emails nobody);
- the customer is reminded of a ticket pending them for 3 days (inactive: on its first run
  it would email every customer whose ticket has waited that long, so an admin decides when);
- tickets open and untouched for 24 hours go to high priority with a note (inactive: how fast
  a desk answers is its own choice, and the SLA policies already warn).
Names and texts in the site's language (LANGUAGE_CODE); a shipped name left as shipped is
shown in the reader's language (schedules.automation_label)."""

from django.conf import settings
from django.db import migrations

EMPTY_ACTIONS = {
    "priority": None, "status": "", "department_id": None, "assignee_id": None,
    "unassign": False, "tags_add": [], "tags_remove": [], "note": "", "email": None,
    "notify_endpoint_ids": [], "webhook_endpoint_ids": [],
}

REMINDER = {
    "to": "customer", "addresses": [],
    "subject": {
        "en": "Your request {ticket_number} is waiting for your reply",
        "tr": "{ticket_number} numaralı talebiniz yanıtınızı bekliyor",
    },
    "body": {
        "en": ("Hello {customer_name},\n\nWe are waiting for your reply to your request "
               "{ticket_number} (\"{subject}\") so that we can go on helping you. You can "
               "answer this email or open the request here:\n{link}\n\nIf you no longer need "
               "help, you do not need to do anything: the request will be closed."),
        "tr": ("Merhaba {customer_name},\n\n{ticket_number} numaralı talebinizde (\"{subject}\") "
               "size yardımcı olmaya devam edebilmemiz için yanıtınızı bekliyoruz. Bu e-postayı "
               "yanıtlayabilir ya da talebi buradan açabilirsiniz:\n{link}\n\nArtık yardıma "
               "ihtiyacınız yoksa bir şey yapmanız gerekmiyor: talep kapatılacak."),
    },
}

SHIPPED = [
    # key, position, active, status, field, hours, actions, (en name, tr name)
    ("close_resolved", 10, True, "resolved", "resolved_at", 7 * 24,
     {**EMPTY_ACTIONS, "status": "closed"},
     ("Close tickets resolved for 7 days", "7 gündür çözülmüş talepleri kapat")),
    ("remind_pending", 20, False, "pending", "updated_at", 3 * 24,
     {**EMPTY_ACTIONS, "email": REMINDER},
     ("Remind the customer of a ticket pending for 3 days",
      "3 gündür müşteriyi bekleyen talebi müşteriye hatırlat")),
    ("escalate_untouched", 30, False, "open", "updated_at", 24,
     {**EMPTY_ACTIONS, "priority": 30},
     ("Escalate tickets untouched for 24 hours",
      "24 saattir dokunulmamış talepleri yükselt")),
]
ESCALATION_NOTE = ("No one has touched this ticket for 24 hours.",
                   "Bu talebe 24 saattir kimse dokunmadı.")


def create(apps, schema_editor):
    Automation = apps.get_model("automation", "Automation")
    AutomationSettings = apps.get_model("automation", "AutomationSettings")
    AutomationSettings.objects.get_or_create(pk=1, defaults={"version": 1})
    turkish = str(getattr(settings, "LANGUAGE_CODE", "en")).lower().startswith("tr")
    for key, position, active, status, field, hours, actions, names in SHIPPED:
        if Automation.objects.filter(default_key=key).exists():
            continue
        if key == "escalate_untouched":
            actions = {**actions, "note": ESCALATION_NOTE[turkish]}
        Automation.objects.create(
            default_key=key, name=names[turkish], position=position, is_active=active,
            status=status, field=field, hours=hours, conditions={}, actions=actions)


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
