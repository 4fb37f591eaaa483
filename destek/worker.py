"""The Celery worker of a production deployment: `celery -A destek.worker worker …`.

The same application as `destek.celery` (`-A destek`), with what a worker node of the
documented deployment needs to share memory (bench/README.md, "Issue 14"):

- the pool's children (and the embedded beat, `--beat`) are forked after every task module
  is imported, from a parent whose objects are frozen (`gc.freeze()`): without it a
  collection in the parent between two forks wrote to every object and un-shared the pages
  of the processes forked before it (55 MiB of private memory each instead of 15);
- `--smtpd-port PORT` (and `--smtpd-host`, 127.0.0.1 by default) serves the SMTP door
  (`destek smtpd`, the same code) from a process forked from the worker's parent, instead of
  a Django process of its own. It stores each message before answering 250 as always, keeps
  serving while the web server restarts its workers, stops with the worker, and is started
  again within seconds if it dies.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

from billiard.context import Process
from celery import bootsteps, signals
from celery.platforms import close_open_fds
from celery.utils.log import iter_open_logger_fds
from click import Option

from destek.celery import app
from destek.core.processes import (
    die_with_parent,
    freeze,
    give_memory_back_after,
    prepare_to_fork,
    warm_up,
)

__all__ = ["app"]

logger = logging.getLogger(__name__)
SMTPD_CHECK_SECONDS = 5.0


@signals.worker_init.connect
def _before_any_fork(**_kwargs: object) -> None:
    """Sent in the parent once the task modules are imported, before the worker's steps
    start: the pool, beat and the SMTP door are forked after it in an order that varies."""
    warm_up()
    give_memory_back_after(signals.task_postrun)
    prepare_to_fork()


@signals.worker_before_create_process.connect
def _before_fork(**_kwargs: object) -> None:
    """Sent in the parent before each child of the pool is forked (again when one is
    replaced): what was allocated since is frozen too."""
    freeze()


class _SMTPDoorProcess(Process):
    def __init__(self, *, host: str, port: int) -> None:
        super().__init__(name="SMTP door", daemon=False)
        self.host, self.port = host, port

    def run(self) -> None:
        die_with_parent()
        # The worker's handlers were inherited: this process stops on SIGTERM on its own.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        # The broker connection's sockets belong to the worker (as embedded beat does).
        close_open_fds([sys.__stdin__, sys.__stdout__, sys.__stderr__,
                        *iter_open_logger_fds()])
        # What a child of the pool does first: drop the parent's database connections and
        # cache clients without using them (celery's Django fixup).
        signals.worker_process_init.send(sender=None)
        from django.core.management import call_command

        call_command("smtpd", host=self.host, port=self.port)


class SMTPDoor(bootsteps.StartStopStep):
    """`--smtpd-port`: the SMTP door in a process forked from the worker's parent."""

    label = "SMTP door"
    conditional = True
    # Started once the pool is up; the timer checks on it.
    requires = ("celery.worker.components:Pool", "celery.worker.components:Timer")

    def __init__(self, worker: Any, smtpd_port: int | None = None,
                 smtpd_host: str = "127.0.0.1", **kwargs: Any) -> None:
        self.enabled = bool(smtpd_port)
        self.host, self.port = smtpd_host, smtpd_port or 0
        self.process: _SMTPDoorProcess | None = None
        self.stopping = False
        super().__init__(worker, **kwargs)

    def start(self, worker: Any) -> None:
        signals.worker_shutting_down.connect(self._on_shutting_down, weak=False)
        self._spawn()
        worker.timer.call_repeatedly(SMTPD_CHECK_SECONDS, self._restart_if_dead)

    def _spawn(self) -> None:
        freeze()
        self.process = _SMTPDoorProcess(host=self.host, port=self.port)
        self.process.start()

    def _restart_if_dead(self) -> None:
        if self.stopping or self.process is None or self.process.is_alive():
            return
        logger.error("the SMTP door exited with %s; starting it again", self.process.exitcode)
        self.process.join(0)
        self._spawn()

    def _on_shutting_down(self, **_kwargs: object) -> None:
        self.stopping = True  # a door ended by the same signal is not started again

    def stop(self, worker: Any) -> None:
        self.stopping = True
        if self.process is not None and self.process.is_alive():
            # SIGTERM, as `destek smtpd` stops: a message not yet answered 250 is sent again
            # by its MTA.
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.join(30)
            if self.process.is_alive():
                self.process.kill()

    terminate = stop


app.user_options["worker"].add(Option(["--smtpd-port"], type=int, default=None,
                                      help="Also receive email over SMTP on this port."))
app.user_options["worker"].add(Option(["--smtpd-host"], default="127.0.0.1",
                                      help="The SMTP door's address (127.0.0.1)."))
app.steps["worker"].add(SMTPDoor)
