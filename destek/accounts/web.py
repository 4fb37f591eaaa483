"""Who is asking, for staff pages: the front door every staff view (desk, KB editor, chat
console) goes through, and the signed-in staff member it lets in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase

from destek.accounts.models import User

R = TypeVar("R", bound=HttpResponseBase)


def staff_required(view: Callable[..., R]) -> Callable[..., R | HttpResponseBase]:
    """Anonymous visitors go to the login page; signed-in customers get 404, like any unknown URL.

    404 rather than 403 so the desk behaves like every other door (portal, API, WebSocket):
    a customer cannot tell a desk URL from a URL that does not exist.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(user, "is_agent", False) or not user.is_active:
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: Callable[..., R]) -> Callable[..., R | HttpResponseBase]:
    """Desk pages for administrators only; other staff get 404, as customers do for any
    staff page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponseBase:
        if not acting_user(request).is_admin:
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


def acting_user(request: HttpRequest) -> User:
    """The signed-in person (login_required or staff_required has already checked who)."""
    user = request.user
    assert isinstance(user, User)
    return user
