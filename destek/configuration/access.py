"""Who may open a Settings page: one decorator, asked by every view of this app."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from destek.accounts.web import acting_user, staff_required
from destek.configuration.sections import section

R = TypeVar("R", bound=HttpResponseBase)


def settings_page(key: str) -> Callable[[Callable[..., R]], Callable[..., R | HttpResponseBase]]:
    """The view belongs to section `key`: people it does not admit get 404, as for any staff
    page a customer asks for."""

    def decorate(view: Callable[..., R]) -> Callable[..., R | HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponseBase:
            if not section(key).admits(acting_user(request)):
                raise Http404("Not found.")
            request.settings_section = key  # type: ignore[attr-defined]  # the sidebar's mark
            return view(request, *args, **kwargs)

        return staff_required(wrapper)

    return decorate
