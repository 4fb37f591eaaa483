"""A trigram index for searching tickets by subject (PostgreSQL only): the desk's search
matches `subject__icontains`, `UPPER("subject"::text) LIKE UPPER('%…%')`, which read every
ticket when the word was rare (35 ms at 100,000 tickets). The extension comes with
accounts.0002."""

from django.db import migrations

PENDING_LIST_KB = 64  # see accounts.0002: a short pending list keeps searches fast


def create(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "ticket_subject_trgm" ON "tickets_ticket"'
        ' USING gin ((UPPER("subject"::text)) gin_trgm_ops)'
        f" WITH (gin_pending_list_limit = {PENDING_LIST_KB})")


def drop(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "ticket_subject_trgm"')


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_analyze_tickets_sooner"),
                    ("accounts", "0002_search_trigram_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
