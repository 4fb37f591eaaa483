"""The ideas' search index outside Django's models: database-specific, so created here by
vendor. PostgreSQL: a GIN index on Idea.search_vector. SQLite: an FTS5 table kept by
destek.ideas.search (rowid = idea id)."""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS ideas_idea_search ON ideas_idea USING gin (search_vector)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS ideas_idea_search"]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ideas_idea_fts USING "
    "fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS ideas_idea_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("ideas", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
