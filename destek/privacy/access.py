"""Who may act on a customer's data rights: the customer, for their own export; otherwise
administrators only. Every privacy page and service asks here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from destek.accounts.models import Role, User
from destek.accounts.web import acting_user, staff_required

View = Callable[..., HttpResponseBase]


def is_privacy_admin(actor: User) -> bool:
    return actor.is_authenticated and actor.is_active and actor.role == Role.ADMIN


def admin_required(view: View) -> View:
    """Desk pages for administrators only; other staff get 404, like an unknown URL."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_privacy_admin(acting_user(request)):
            raise Http404("Not found.")
        return view(request, *args, **kwargs)

    return staff_required(wrapper)
