"""`destek retention [--dry-run]`: apply the retention rules now, or say what they would do."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from destek.privacy.retention import apply_retention, kind_labels, retention_policy_get


class Command(BaseCommand):
    help = "Apply the retention rules (raw emails, attachments, chats, closed tickets)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="Only count what would be removed; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        counts = apply_retention(retention_policy_get(), dry_run=dry_run)
        self.stdout.write(_("Would remove:") if dry_run else _("Removed:"))
        for label, count in kind_labels(counts):
            self.stdout.write(f"  {label}: {count}")
