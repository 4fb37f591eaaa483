"""The floor's two endpoints, in front of Destek's URLs (bench.floor_settings).

- `GET /bench-floor/page/`: a signed-in request through the whole middleware stack (session,
  user, locale, CSRF, messages, the staff MFA check): "ok" as text, no template, no query of
  its own; anonymous requests are redirected to the sign-in page.
- `POST /bench-floor/api/`: Destek's API base class (token authentication with its audit
  note, the per-user throttle, JSON only, the MFA check); it parses the JSON body and answers
  201 with an empty object.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from destek.api.base import ApiView
from destek.urls import handler404
from destek.urls import urlpatterns as destek_urlpatterns


@login_required
def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


class NoopApi(ApiView):
    def post(self, request: Request) -> Response:
        _ = request.data  # what any endpoint does first: parse its input
        return Response({}, status=status.HTTP_201_CREATED)


__all__ = ["handler404", "urlpatterns"]

urlpatterns = [
    path("bench-floor/page/", page),
    path("bench-floor/api/", NoopApi.as_view()),
    *destek_urlpatterns,
]
