"""Who may write on the agents' status pages (reading is `staff_required`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import Http404, HttpRequest, HttpResponseBase

from destek.accounts.models import User
from destek.accounts.scope import works_in_every_department
from destek.accounts.web import acting_user, staff_required

R = TypeVar("R", bound=HttpResponseBase)


def may_declare(user: User) -> bool:
    """Agents, supervisors and administrators; not outsourced agents."""
    return works_in_every_department(user)


def may_manage_components(user: User) -> bool:
    """Supervisors and administrators, as for the product's Settings."""
    return bool(user.may_configure)


def _require(check: Callable[[User], bool]) -> Callable[[Callable[..., R]],
                                                         Callable[..., R | HttpResponseBase]]:
    def decorator(view: Callable[..., R]) -> Callable[..., R | HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponseBase:
            if not check(acting_user(request)):
                raise Http404("Not found.")
            return view(request, *args, **kwargs)

        return staff_required(wrapper)

    return decorator


declarer_required = _require(may_declare)
manager_required = _require(may_manage_components)
