"""Progress reports that reach the customer: a grace period after the agent's reminder, and
customer status updates on by default.

Switching the updates on is safe only where nobody chose otherwise: a new installation (no
ticket yet) gets them on its shipped policies; an installation in use keeps its settings
(Settings → SLA policies shows the switch)."""

from django.db import migrations, models


def enable_on_new_installations(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    if Ticket.objects.exists():
        return
    SlaPolicy.objects.update(progress_customer_update=True)


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0005_hosting_defaults'),
    ]

    operations = [
        migrations.AddField(
            model_name='slapolicy',
            name='progress_grace_minutes',
            field=models.PositiveIntegerField(blank=True, help_text='Empty: a quarter of the progress report period. At most half of it.', null=True, verbose_name='customer update after the reminder (minutes)'),
        ),
        migrations.AlterField(
            model_name='slapolicy',
            name='progress_customer_update',
            field=models.BooleanField(default=True, help_text="When nothing public is written within the grace period after the reminder, the customer gets a status update: the ticket's state, who is on it, what it waits for and when the next update comes.", verbose_name='also send the customer a progress update'),
        ),
        migrations.RunPython(enable_on_new_installations, migrations.RunPython.noop),
    ]
