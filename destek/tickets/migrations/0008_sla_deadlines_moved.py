"""The SLA deadline columns now live in sla.TicketSla (sla.0003 copied them there)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0003_deadlines_on_state'),
        ('tickets', '0007_open_assigned_index_without_nulls'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='ticket',
            name='ticket_open_sla_due',
        ),
        migrations.RemoveIndex(
            model_name='ticket',
            name='ticket_sla_check',
        ),
        migrations.RemoveField(
            model_name='ticket',
            name='sla_due_at',
        ),
        migrations.RemoveField(
            model_name='ticket',
            name='sla_next_check_at',
        ),
        migrations.RemoveField(
            model_name='ticket',
            name='sla_warn_at',
        ),
    ]
