"""`destek mail-pipe`: store one message read from stdin (for an MTA's pipe transport)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from destek.celery import ensure_filesystem_queue
from destek.mail.doors.pipe import EX_OK, receive_from_pipe


class Command(BaseCommand):
    help = ("Store one email read from standard input; exit 0 when stored, 75 to make the "
            "MTA retry (see docs/deployment.md for the exit codes).")
    requires_system_checks: list[str] = []  # one message per process: start fast

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", default="",
                            help="the mailbox address it was sent to (plus-addresses allowed)")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_filesystem_queue()  # the embedded broker's folders, for the processing task
        result = receive_from_pipe(stream=sys.stdin.buffer, mailbox_address=options["mailbox"])
        if result.exit_code != EX_OK:
            # One line on stderr: the MTA puts it into its log or the bounce.
            sys.stderr.write(f"destek mail-pipe: {result.reason}\n")
            sys.stderr.flush()
            sys.exit(result.exit_code)
