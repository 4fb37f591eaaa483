"""`destek mail_reprocess`: process stored inbound email again (quarantined, or given ids)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from destek.mail import processing
from destek.mail.models import InboundEmail, InboundState


class Command(BaseCommand):
    help = ("Process stored inbound emails again, here and now: the quarantined ones "
            "(--quarantined), those still pending (--pending), or the given ids.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="InboundEmail ids")
        parser.add_argument("--quarantined", action="store_true",
                            help="every quarantined message")
        parser.add_argument("--pending", action="store_true",
                            help="every message still waiting (e.g. after a broker outage)")
        parser.add_argument("--limit", type=int, default=10_000)

    def handle(self, *args: Any, **options: Any) -> None:
        states = [state for flag, state in (("quarantined", InboundState.QUARANTINED),
                                            ("pending", InboundState.PENDING)) if options[flag]]
        if not states and not options["ids"]:
            raise CommandError("Give ids, --quarantined or --pending.")
        rows = InboundEmail.objects.all()
        rows = rows.filter(pk__in=options["ids"]) if options["ids"] else rows.filter(
            state__in=states)
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:options["limit"]])
        # Put them back in line (state pending, attempts 0), then process each inline.
        InboundEmail.objects.filter(pk__in=ids).update(state=InboundState.PENDING, attempts=0)
        outcomes: dict[str, int] = {}
        for inbound_id in ids:
            outcome = processing.process(inbound_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items()))
        self.stdout.write(f"{len(ids)} message(s) processed again. {summary}".strip())
