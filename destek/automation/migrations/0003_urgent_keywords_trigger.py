"""The shipped trigger: a new ticket or a customer's reply saying the site, email or DNS is
down, or that they were hacked, becomes critical (so the critical SLA policy's 1-hour first
response applies). Editable; named by its default key, never re-created once deleted."""

from django.db import migrations
from django.db.models import F

KEY = "urgent_keywords"
NAME = "Urgent keywords → critical"
DESCRIPTION = ("A new ticket or a customer's reply saying the site, email or DNS is down, or "
               "that they were hacked, becomes critical (the 1-hour first response).")

# Whole words or phrases, matched in the subject and the message with Turkish-aware folding
# ("sitem acilmiyor" and "SİTEM AÇILMIYOR" match "sitem açılmıyor").
WORDS = [
    # English
    "site down", "site is down", "website down", "website is down", "site not working",
    "website not working", "site not loading", "site is not loading", "site unreachable",
    "server down", "server is down", "server not responding", "cannot access my site",
    "can't access my site", "500 error", "error 500", "internal server error", "503",
    "503 error", "502 bad gateway", "504 gateway timeout", "service unavailable", "hacked",
    "site hacked", "defaced", "dns not working", "dns not resolving", "domain not resolving",
    "emails not arriving", "not receiving emails", "email is down", "email down",
    "mail server down", "ssl expired", "data loss", "database down",
    "error establishing a database connection",
    # Turkish
    "sitem açılmıyor", "site açılmıyor", "sitemiz açılmıyor", "web sitem açılmıyor",
    "siteye girilmiyor", "siteme giremiyorum", "sitem çöktü", "site çöktü", "sitemiz çöktü",
    "sunucu çöktü", "sunucu yanıt vermiyor", "sunucuya erişilemiyor", "site erişilemiyor",
    "siteye erişilemiyor", "sitem çalışmıyor", "site çalışmıyor", "hacklendi",
    "sitem hacklendi", "hacklendik", "saldırı altındayız", "500 hatası", "503 hatası",
    "DNS çalışmıyor", "DNS sorunu", "alan adı çözümlenmiyor", "e-postalar gelmiyor",
    "e-posta gelmiyor", "mailler gelmiyor", "mail gelmiyor", "e-posta gönderemiyorum",
    "mail gönderemiyorum", "veritabanı bağlantı hatası", "veritabanı çöktü",
    "SSL süresi doldu", "veri kaybı",
]
CRITICAL = 40  # tickets.Priority.CRITICAL


def create(apps, schema_editor):
    Trigger = apps.get_model("automation", "Trigger")
    AutomationSettings = apps.get_model("automation", "AutomationSettings")
    if not Trigger.objects.filter(default_key=KEY).exists():
        Trigger.objects.create(
            name=NAME, description=DESCRIPTION, position=10, is_active=True,
            events=["ticket_created", "customer_replied"],
            conditions={"words_any": WORDS}, actions={"priority": CRITICAL},
            default_key=KEY)
    if not AutomationSettings.objects.filter(pk=1).update(version=F("version") + 1):
        AutomationSettings.objects.create(pk=1, version=2)


def remove(apps, schema_editor):
    apps.get_model("automation", "Trigger").objects.filter(default_key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0002_shipped_automations")]
    operations = [migrations.RunPython(create, remove)]
