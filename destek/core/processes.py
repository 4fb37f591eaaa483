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
import gc
import signal
from pathlib import Path


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
