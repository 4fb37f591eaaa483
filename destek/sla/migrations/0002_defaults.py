"""The shipped defaults, editable in the admin: critical first response within 1 hour, no
customer message unanswered past 24 hours, resolution targets per priority; a Monday–Friday
office calendar for Istanbul (whose hours define "out of hours" for the on-call alerts)."""

from datetime import time

from django.db import migrations

HOUR = 60
POLICIES = [
    # name, priority, first response, next response, resolution, progress report every
    ("Critical", 40, 1 * HOUR, 24 * HOUR, 24 * HOUR, 4 * HOUR),
    ("High", 30, None, 24 * HOUR, 3 * 24 * HOUR, 24 * HOUR),
    ("Normal", 20, None, 24 * HOUR, 5 * 24 * HOUR, 3 * 24 * HOUR),
    ("Low", 10, None, 24 * HOUR, 10 * 24 * HOUR, None),
]


def create(apps, schema_editor):
    SlaSettings = apps.get_model("sla", "SlaSettings")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    BusinessHours = apps.get_model("sla", "BusinessHours")
    SlaSettings.objects.get_or_create(pk=1, defaults={"version": 1})
    office, created = BusinessCalendar.objects.get_or_create(
        name="Office hours (Istanbul)",
        defaults={"timezone": "Europe/Istanbul", "is_office_hours": True},
    )
    if created:
        BusinessHours.objects.bulk_create([
            BusinessHours(calendar=office, weekday=day, start=time(9), end=time(18))
            for day in range(5)
        ])
    for position, (name, priority, first, following, resolution, progress) in enumerate(
            POLICIES, start=1):
        SlaPolicy.objects.get_or_create(name=name, defaults={
            "position": position * 10, "priorities": [priority],
            "first_response_minutes": first, "next_response_minutes": following,
            "resolution_minutes": resolution, "progress_every_minutes": progress,
            "pause_statuses": ["pending", "on_hold"], "warn_percent": 75,
            "supervisor_after_minutes": 0,
            "reassign_after_minutes": 60 if priority == 40 else None,
        })


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
