# Mailboxes' IMAP passwords are stored sealed (destek.core.sealing, a key derived from
# SECRET_KEY), as the WHMCS secret and the OAuth2 tokens are.

from django.db import migrations, models

from destek.core.sealing import seal, unseal

PURPOSE = "mail.mailbox.imap-password"


def seal_passwords(apps, schema_editor):
    Mailbox = apps.get_model("mail", "Mailbox")
    for mailbox in Mailbox.objects.exclude(imap_password=""):
        mailbox.imap_password_sealed = seal(mailbox.imap_password, purpose=PURPOSE)
        mailbox.save(update_fields=["imap_password_sealed"])


def unseal_passwords(apps, schema_editor):
    Mailbox = apps.get_model("mail", "Mailbox")
    for mailbox in Mailbox.objects.exclude(imap_password_sealed=""):
        mailbox.imap_password = unseal(mailbox.imap_password_sealed, purpose=PURPOSE)
        mailbox.save(update_fields=["imap_password"])


class Migration(migrations.Migration):

    dependencies = [
        ("mail", "0006_mailbox_oauth"),
    ]

    operations = [
        migrations.AddField(
            model_name="mailbox",
            name="imap_password_sealed",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(seal_passwords, unseal_passwords),
        migrations.RemoveField(
            model_name="mailbox",
            name="imap_password",
        ),
    ]
