"""The ASGI handler for HTTP: the whole middleware chain and the view in one request thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.test import override_settings
from django.urls import path

from destek.core.asgi import SyncViewsASGIHandler

seen: list[tuple[str, int]] = []


class RecordingMiddleware:
    """A plain (sync-only) middleware, like Destek's own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seen.append(("middleware", threading.get_ident()))
        return self.get_response(request)


def hello(request: HttpRequest) -> HttpResponse:
    seen.append(("view", threading.get_ident()))
    return JsonResponse({"method": request.method, "body": request.body.decode()})


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def download(request: HttpRequest) -> FileResponse:
    return FileResponse(Path(request.GET["path"]).open("rb"), as_attachment=True,
                        filename="data.bin")


urlpatterns = [path("hello/", hello), path("broken/", broken), path("download/", download)]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "destek.core.tests.test_asgi.RecordingMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]


def _scope(method: str, url: str, host: bytes) -> dict:  # type: ignore[type-arg]
    path_, _, query = url.partition("?")
    return {"type": "http", "http_version": "1.1", "method": method, "scheme": "http",
            "path": path_, "raw_path": path_.encode(), "query_string": query.encode(),
            "root_path": "", "headers": [(b"host", host)], "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80)}


async def _exchange(application, scope, body: bytes) -> dict:  # type: ignore[no-untyped-def,type-arg]
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body})
    start = await communicator.receive_output(10)
    assert start["type"] == "http.response.start"
    content = b""
    while True:
        message = await communicator.receive_output(10)
        content += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await communicator.wait(10)
    return {"status": start["status"], "body": content}


def call(method: str, url: str, body: bytes = b"", application=None,  # type: ignore[no-untyped-def]
         host: bytes = b"testserver") -> dict:  # type: ignore[type-arg]
    app = application or SyncViewsASGIHandler()
    return async_to_sync(_exchange)(app, _scope(method, url, host), body)


@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=MIDDLEWARE, ALLOWED_HOSTS=["testserver"])
def test_middleware_and_view_run_in_one_request_thread() -> None:
    seen.clear()
    response = call("POST", "/hello/", b"ping")
    assert response["status"] == 200
    assert response["body"] == b'{"method": "POST", "body": "ping"}'
    assert [name for name, _ in seen] == ["middleware", "view"]
    assert len({ident for _, ident in seen}) == 1
    assert seen[0][1] != threading.get_ident()  # not on the event loop's thread


@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=MIDDLEWARE, ALLOWED_HOSTS=["testserver"],
                   DEBUG=False)
def test_an_error_in_the_view_is_a_500() -> None:
    assert call("GET", "/broken/")["status"] == 500


@override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=MIDDLEWARE, ALLOWED_HOSTS=["testserver"])
def test_file_responses_stream_whole(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, several chunks
    (tmp_path / "f.bin").write_bytes(data)
    response = call("GET", f"/download/?path={tmp_path / 'f.bin'}")
    assert response["status"] == 200
    assert response["body"] == data


@pytest.mark.django_db(transaction=True)
@override_settings(SECRET_KEY="k" * 20 + "-a-long-and-random-enough-key-for-the-check-2c9f",
                   SECRET_KEY_FROM_ENV=True)
def test_the_project_application_serves_http() -> None:
    from destek.asgi import application

    assert call("GET", "/healthz", application=application, host=b"127.0.0.1")["status"] == 200
    missing = call("GET", "/no-such-page/", application=application, host=b"127.0.0.1")
    assert missing["status"] == 404 and b'data-testid="error-404"' in missing["body"]
