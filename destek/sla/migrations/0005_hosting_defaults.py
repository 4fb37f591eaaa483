"""Shipped defaults for hosting customers, editable in the admin: dedicated-server and
key-account customers get a first response within 30 minutes on critical issues.

Each copies the general critical policy's other targets (next response, resolution, progress
reports, escalation, calendar, pauses) and sits just before it, so it wins for the tickets it
matches and is never slower than what every customer is promised."""

from django.db import migrations
from django.db.models import F

CRITICAL = 40
FIRST_RESPONSE = 30
HOSTING_DEFAULTS = [
    # name, conditions
    ("Dedicated servers — critical", {"service_kinds": ["dedicated"]}),
    ("Key accounts — critical", {"tiers": ["key"]}),
]
COPIED = ("next_response_minutes", "resolution_minutes", "calendar_id", "pause_statuses",
          "warn_percent", "warn_assignee", "breach_notify_assignee", "supervisor_after_minutes",
          "reassign_after_minutes", "reassign_to", "progress_every_minutes",
          "progress_customer_update")
HOUR = 60
# As 0002_defaults ships "Critical", for an installation that deleted it.
FALLBACK = {"next_response_minutes": 24 * HOUR, "resolution_minutes": 24 * HOUR,
            "pause_statuses": ["pending", "on_hold"], "warn_percent": 75,
            "supervisor_after_minutes": 0, "reassign_after_minutes": 60,
            "progress_every_minutes": 4 * HOUR}


def create(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaSettings = apps.get_model("sla", "SlaSettings")
    critical = [p for p in SlaPolicy.objects.order_by("position", "id")
                if p.priorities == [CRITICAL] and not p.channels and not p.plans]
    general = next((p for p in critical if p.name == "Critical"), None) or next(
        iter(critical), None)
    if general is not None:
        base = {name: getattr(general, name) for name in COPIED}
        first = min(FIRST_RESPONSE, general.first_response_minutes or FIRST_RESPONSE)
        position = general.position
    else:
        base, first, position = dict(FALLBACK), FIRST_RESPONSE, 10
    created = False
    for offset, (name, conditions) in enumerate(HOSTING_DEFAULTS):
        _policy, made = SlaPolicy.objects.get_or_create(name=name, defaults={
            **base, **conditions, "priorities": [CRITICAL], "first_response_minutes": first,
            "position": max(0, position - len(HOSTING_DEFAULTS) + offset),
        })
        created = created or made
    if created:  # running processes reload the policies
        SlaSettings.objects.filter(pk=1).update(version=F("version") + 1)


def remove(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicy.objects.filter(name__in=[name for name, _c in HOSTING_DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_hosting_conditions")]
    operations = [migrations.RunPython(create, remove)]
