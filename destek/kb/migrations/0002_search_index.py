"""The search index outside Django's models: database-specific, so created here by vendor.

PostgreSQL: pg_trgm, a GIN index on the weighted tsvector, a trigram GiST index on the word
list (typo correction). SQLite: the FTS5 table the service layer keeps (destek.kb.search.sqlite).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS kb_article_search ON kb_article USING gin (search_vector)",
    # GiST, not GIN: it answers ORDER BY term <-> word (nearest first) from the index.
    "CREATE INDEX IF NOT EXISTS kb_searchterm_trgm ON kb_searchterm "
    "USING gist (term gist_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS kb_article_search",
    "DROP INDEX IF EXISTS kb_searchterm_trgm",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING "
    "fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS kb_article_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        TrigramExtension(),  # does nothing outside PostgreSQL
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
