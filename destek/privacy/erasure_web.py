"""Who may use the privacy pages of the desk: administrators only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from destek.accounts.models import Role
from destek.accounts.web import staff_required


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
    """Signed-in staff who are not administrators get 404, like customers on any desk URL."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "role", None) != Role.ADMIN:
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return wrapper
