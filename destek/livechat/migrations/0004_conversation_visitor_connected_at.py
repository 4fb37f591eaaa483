from django.db import migrations, models
from django.db.models import F


def existing_chats_had_visitors(apps, schema_editor):
    """Chats from before the field: their visitors are taken to have connected, so that an
    upgrade does not end the chats that are waiting right now."""
    Conversation = apps.get_model("livechat", "Conversation")
    Conversation.objects.filter(state="waiting").update(visitor_connected_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('livechat', '0003_chatsettings'),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='visitor_connected_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(existing_chats_had_visitors, migrations.RunPython.noop),
    ]
