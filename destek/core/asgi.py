"""Django's HTTP views under ASGI with one thread hop per request instead of one per middleware.

Destek's views are synchronous. Django's ASGIHandler loads the middleware chain in async
mode: every MiddlewareMixin hook (sessions, CSRF, auth, messages…) then runs through its own
`sync_to_async`, and each sync-only middleware (Destek's, allauth's) is entered with
`sync_to_async` and calls the rest of the chain back with `async_to_sync`: a dozen thread
hops and event-loop round trips per request before the view even starts, all of it CPU
on a machine whose cores are the limit.

`SyncViewsASGIHandler` keeps everything Django's ASGI handler does around the request
(reading the body, disconnects, the request_started/finished signals, the per-request
thread-sensitive context, streaming and file responses) and only loads the middleware chain
in sync mode, calling it once per request in that request's thread, as under WSGI. An
async view still works (Django's sync chain adapts it), it just gains nothing.
"""

from __future__ import annotations

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class SyncViewsASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()  # loads the chain for async; reload it for sync
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # Thread-sensitive: the thread Django's handler made for this request, so the
        # database connection and everything thread-local stay with the request.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_http_application() -> SyncViewsASGIHandler:
    """What django.core.asgi.get_asgi_application() does, with the handler above."""
    django.setup(set_prefix=False)
    return SyncViewsASGIHandler()
