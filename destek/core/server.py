"""Serving the web with several processes that share one copy of the imported code.

`destek run --workers N` (N > 1) runs gunicorn's arbiter with uvicorn's worker class
(uvicorn-worker): the parent imports Django and the ASGI application once (`preload_app`),
loads what every request would otherwise load on its own (the URLconf and the views behind
it, the translation catalogs), closes what it opened (database connections and pools, cache
clients: sockets must never be shared across fork), moves everything out of the cyclic
garbage collector's reach (`gc.freeze()`, so that collections in a child do not write to
every object's header and un-share the page), then forks the workers. Each worker serves
HTTP and WebSockets with uvicorn exactly as before. The parent serves nothing: it restarts a
worker that dies, and on SIGHUP replaces the workers gracefully (requests in progress finish;
the code is not re-imported, restart the service to deploy new code).

Memory (bench/README.md, "Issue 14"): the workers share the ~100 MiB of imported code and
data instead of each holding a copy.
"""

from __future__ import annotations

from typing import Any

from django.core.signals import request_finished
from gunicorn.app.base import BaseApplication
from gunicorn.util import import_app
from uvicorn_worker import UvicornWorker

from destek.core.processes import freeze, give_memory_back_after, prepare_to_fork, warm_up


class DestekUvicornWorker(UvicornWorker):
    """uvicorn as `destek run` configures it: uvloop and httptools when installed, no access
    log (a proxy in front logs requests), no lifespan (Django has no startup hooks) and no
    per-message deflate (small JSON frames: a zlib context per connection for nothing)."""

    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "auto", "http": "auto", "lifespan": "off", "access_log": False,
        "ws_per_message_deflate": False,
    }


class PreforkServer(BaseApplication):
    """gunicorn's arbiter serving an ASGI application with preloaded, forked workers."""

    def __init__(self, *, app: str, host: str, port: int, workers: int,
                 graceful_timeout: int = 30) -> None:
        self.app_path = app
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "destek.core.server.DestekUvicornWorker",
            "preload_app": True,
            "loglevel": "warning",
            "accesslog": None,
            "keepalive": 5,  # uvicorn's own default, which gunicorn's (2) would override
            "graceful_timeout": graceful_timeout,
            "proc_name": "destek-web",
            # gunicorn's control socket lives in $HOME: two services on a host would clash.
            "control_socket_disable": True,
            "pre_fork": _pre_fork,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        application = import_app(self.app_path)
        warm_up()
        give_memory_back_after(request_finished)
        prepare_to_fork()
        return application


def _pre_fork(_arbiter: Any, _worker: Any) -> None:
    freeze()  # what the arbiter allocated since the application was loaded


def serve(*, app: str, host: str, port: int, workers: int) -> None:
    """Serve the ASGI application `app` ("module:attribute", as uvicorn takes it)."""
    PreforkServer(app=app, host=host, port=port, workers=workers).run()
