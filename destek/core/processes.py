"""Forking processes that share the parent's imported code (bench/README.md, "Issue 14").

A process forked after Django and the application are imported shares those pages with its
parent until one of them writes to a page. Two things would write to nearly all of them:
the cyclic garbage collector (a collection writes to every object it visits) and sockets
used from both sides (a database or Redis connection opened before the fork would interleave
two processes' traffic). `prepare_to_fork()` deals with both.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import signal
import time
from pathlib import Path
from typing import Any


def warm_up() -> None:
    """Load, in the parent, what each process would otherwise load for itself on its first
    requests or tasks: the URLconf and every view behind it (the worker needs them too: the
    links in emails are reversed), the translation catalogs, Destek's compiled templates."""
    from django.conf import settings
    from django.template import TemplateSyntaxError, engines
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018  (imports the views: DRF, allauth…)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Destek")
    package = Path(__file__).resolve().parent.parent
    for directory in get_app_template_dirs("templates"):
        if not directory.is_relative_to(package):
            continue  # other apps' templates: loaded where they are used
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                with contextlib.suppress(TemplateSyntaxError, UnicodeDecodeError):
                    engines["django"].get_template(path.relative_to(directory).as_posix())


def close_before_fork() -> None:
    """Close every socket the parent opened (migrate, checks), and drop the psycopg pools:
    their threads do not survive fork, and each child must create its own."""
    from django.core.cache import caches
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            with contextlib.suppress(KeyError):
                close_pool()
    caches.close_all()


def freeze() -> None:
    """Move every object alive now to the permanent generation, which collections never
    visit (cheap: no collection). Children forked afterwards inherit the frozen state."""
    gc.freeze()


def prepare_to_fork() -> None:
    close_before_fork()
    gc.collect()  # garbage left now would be frozen for the life of every process
    freeze()


def die_with_parent() -> None:
    """Let Linux send this process SIGTERM when its parent dies, even by SIGKILL (where
    atexit handlers and shutdown steps never run). Call it in the child."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# --- giving memory back -----------------------------------------------------------------------
# A page or a task frees most of what it allocated, but glibc keeps freed heap memory for
# reuse, so a process's private memory stays at its busiest moment's; and each thread that
# allocates may get an arena of its own (up to 8 per core), each holding on to its own free
# memory (bench/README.md, "End to end": about 10-20 MiB of the deployment's peak).
M_ARENA_MAX = -8  # glibc's mallopt parameter
MALLOC_ARENAS = 2
TRIM_EVERY_SECONDS = 1.0


@functools.cache
def _glibc() -> Any:
    """glibc's malloc controls, or None elsewhere (musl, macOS): then nothing is done."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.malloc_trim  # noqa: B018  (glibc's: raises AttributeError elsewhere)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


class _Trimmer:
    """Returns free heap memory to the system (malloc_trim) at most every TRIM_EVERY_SECONDS:
    a call costs microseconds when there is nothing to return."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, *_args: object, **_kwargs: object) -> None:
        now = time.monotonic()
        if now - self.last < TRIM_EVERY_SECONDS:
            return
        self.last = now
        libc = _glibc()
        if libc is not None:
            libc.malloc_trim(0)


_trimmer = _Trimmer()


def give_memory_back_after(event: Any) -> None:
    """In a parent about to fork its servers or workers: fewer malloc arenas (each thread
    otherwise may hold free memory in one of its own), and free heap memory returned to the
    system after `event` (Django's request_finished, Celery's task_postrun: any signal with
    `connect`) at most once a second."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)
    event.connect(_trimmer, weak=False, dispatch_uid="destek.core.processes.trim")
