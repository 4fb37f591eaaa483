"""Trigram indexes for searching people by name and address (PostgreSQL only).

The desk's search and the API's customer list match `full_name` and `email` with
`icontains`/`istartswith`, which Django writes as `UPPER(column::text) LIKE UPPER(%s)`:
without an index on exactly that expression every search read the whole table. pg_trgm is
a trusted extension (PostgreSQL 13+): the database's owner may create it.
"""

from django.db import migrations

# New entries wait in a pending list that every search reads through until it is merged;
# the default 4 MB let ~6,600 new tickets pile up there and tripled a search's PostgreSQL
# time. 64 kB: a merge every few dozen inserts.
PENDING_LIST_KB = 64

INDEXES = {
    "user_full_name_trgm": "full_name",
    "user_email_trgm": "email",
}


def create(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "accounts_user"'
            f' USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            f" WITH (gin_pending_list_limit = {PENDING_LIST_KB})")


def drop(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
