# Ticket notifications are rendered by the delivery worker from a payload (ids), not in the
# request that caused them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="payload",
            field=models.JSONField(blank=True, default=dict, help_text="A notification not rendered yet: what to say to whom, as ids.", verbose_name="payload"),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="rendered_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="rendered"),
        ),
    ]
