"""The SLA deadlines move from the ticket row to TicketSla (due_at, warn_at, next_check_at):
the fields, their values copied from tickets_ticket, then the partial indexes (built once,
after the copy). tickets.0008 drops the ticket's columns afterwards."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

COPIED = (("due_at", "sla_due_at"), ("warn_at", "sla_warn_at"),
          ("next_check_at", "sla_next_check_at"))


def from_tickets(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketSla = apps.get_model("sla", "TicketSla")
    ticket = Ticket.objects.filter(pk=OuterRef("ticket_id"))
    TicketSla.objects.update(**{mine: Subquery(ticket.values(theirs)[:1])
                                for mine, theirs in COPIED})


def to_tickets(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketSla = apps.get_model("sla", "TicketSla")
    sla = TicketSla.objects.filter(ticket_id=OuterRef("pk"))
    Ticket.objects.filter(sla__isnull=False).update(
        **{theirs: Subquery(sla.values(mine)[:1]) for mine, theirs in COPIED})


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0002_defaults'),
        ('tickets', '0007_open_assigned_index_without_nulls'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticketsla',
            name='due_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='ticketsla',
            name='next_check_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='ticketsla',
            name='warn_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(from_tickets, to_tickets, elidable=True),
        migrations.AddIndex(
            model_name='ticketsla',
            index=models.Index(condition=models.Q(('due_at__isnull', False)), fields=['due_at', 'ticket'], name='sla_open_due'),
        ),
        migrations.AddIndex(
            model_name='ticketsla',
            index=models.Index(condition=models.Q(('next_check_at__isnull', False)), fields=['next_check_at'], name='sla_next_check'),
        ),
    ]
