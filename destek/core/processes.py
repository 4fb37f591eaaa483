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
