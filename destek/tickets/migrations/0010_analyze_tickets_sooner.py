"""PostgreSQL re-reads the statistics of tickets_ticket after 2 % of its rows changed, not
after the default 10 %.

The open queues' plans depend on how many rows a partial index holds. With 100,000 tickets a
burst of 5,500 new unassigned tickets (an outage flooding support) stayed under the default
threshold: the planner still expected 16 unassigned tickets, sorted all 5,500 instead of
walking ticket_open_unassigned in order, and the unassigned queue's query took 14 ms
instead of 0.1 ms (bench/README.md, session 4). Analyzing the table costs a sample of
30,000 rows, whatever its size.
"""

from django.db import migrations


def _alter(value: str | None):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name("tickets_ticket")
        if value is None:
            schema_editor.execute(f"ALTER TABLE {table} RESET (autovacuum_analyze_scale_factor)")
        else:
            schema_editor.execute(
                f"ALTER TABLE {table} SET (autovacuum_analyze_scale_factor = {value})")
    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_open_id_index")]

    operations = [migrations.RunPython(_alter("0.02"), _alter(None), elidable=False)]
