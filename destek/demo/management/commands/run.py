"""`destek run`: migrate, create demo data on first start, start the worker, serve ASGI."""

from __future__ import annotations

import atexit
import multiprocessing
import subprocess
import sys
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from destek.celery import ensure_filesystem_queue
from destek.core.processes import close_before_fork, die_with_parent
from destek.core.security import ensure_secure_secret
from destek.core.server import serve
from destek.demo.data import create_demo_data


class Command(BaseCommand):
    help = "Serve Destek (HTTP and WebSockets) and, on the embedded default, its worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1,
                            help="web processes (several: forked from one preloaded parent)")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a Celery worker (production runs its own)")
        parser.add_argument("--no-demo", action="store_true", help="do not create demo data")
        parser.add_argument("--smtpd-port", type=int, default=None,
                            help="also receive email over SMTP on this port (destek smtpd)")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_secure_secret(debug=settings.DEBUG, key=settings.SECRET_KEY,
                     from_env=settings.SECRET_KEY_FROM_ENV)
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        # In a child process: what the checks and migrations load (~13 MiB) would otherwise
        # stay in this process, and in every web process forked from it.
        setup = multiprocessing.get_context("fork").Process(target=_check_migrate_collect,
                                                            name="destek-setup")
        setup.start()
        setup.join()
        if setup.exitcode != 0:
            raise CommandError(f"setting up failed (exit status {setup.exitcode})")
        ensure_filesystem_queue()  # before the demo data enqueues its welcome emails
        logins = [] if options["no_demo"] else create_demo_data()
        if not options["no_worker"]:
            self._start_worker()
        if options["smtpd_port"]:
            self._start_smtpd(host=options["host"], port=options["smtpd_port"])
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Destek is running at {url}"))
        self.stdout.write(f"  chat widget demo: {url}chat/demo/")
        for login in logins:
            self.stdout.write(f"  {login.role:<9} {login.email}  password: {login.password}")

        if options["workers"] > 1:
            # Forked from this process after the imports, so the workers share the code
            # (destek.core.server, bench/README.md "Issue 14").
            serve(app="destek.asgi:application", host=options["host"], port=options["port"],
                  workers=options["workers"])
            return
        # uvicorn[standard] brings uvloop and httptools, which "auto" picks. No access log:
        # Django logs errors, a proxy in front logs requests, and a line per request costs CPU.
        # WebSocket frames here are small JSON notifications: per-message deflate would cost
        # a zlib context per connection (tens of KiB each, a thousand chat widgets) and CPU
        # per frame for nothing (bench/README.md, Live chat).
        uvicorn.run("destek.asgi:application", host=options["host"], port=options["port"],
                    log_level="warning", lifespan="off", access_log=False,
                    ws_per_message_deflate=False)

    def _start_worker(self) -> None:
        """The embedded default runs one worker with beat beside the web server."""
        worker = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "celery", "-A", "destek.worker", "worker", "-B",
             "--concurrency=1", "--loglevel=WARNING",
             "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
            preexec_fn=die_with_parent,
        )
        atexit.register(worker.terminate)

    def _start_smtpd(self, *, host: str, port: int) -> None:
        """The SMTP receiver, in its own process so that mail keeps flowing in while the web
        server restarts its workers."""
        receiver = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [sys.executable, "-m", "destek.cli", "smtpd", "--host", host, "--port", str(port)],
            preexec_fn=die_with_parent,
        )
        atexit.register(receiver.terminate)


def _check_migrate_collect() -> None:
    try:
        call_command("check", fail_level="ERROR")
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
    except CommandError as error:  # SystemCheckError too: its message, not a traceback
        sys.stderr.write(f"{error}\n")
        raise SystemExit(1) from None
    finally:
        close_before_fork()  # say goodbye to PostgreSQL rather than drop the connections
