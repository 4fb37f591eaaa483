"""`destek smtpd`: receive email over SMTP into the inbound store (docs/deployment.md)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from destek.celery import ensure_filesystem_queue
from destek.mail.doors.smtpd import smtp_controller


class Command(BaseCommand):
    help = "Receive email for the mailboxes over SMTP (put it behind your MX or relay)."
    requires_system_checks: list[str] = []  # it serves mail, not the web: start fast

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_filesystem_queue()  # the embedded broker's folders, for the processing task
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        controller = smtp_controller(host=options["host"], port=options["port"])
        controller.start()
        self.stdout.write(f"SMTP receiver listening on {options['host']}:{options['port']}",
                          ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
