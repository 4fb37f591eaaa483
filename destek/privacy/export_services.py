"""Asking for an export, and the one way to reach an export or a customer for someone.

A customer exports their own data and sees only the exports they asked for; an administrator
exports any customer's and sees every export. Anyone else, and anyone asking for another's,
gets NotFound (404), whatever the door (page, status, download).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from destek.accounts.models import Role, User
from destek.audit.log import Action, record
from destek.core.errors import ApplicationError, NotFound
from destek.privacy.export_models import ACTIVE_STATUSES, ExportJob
from destek.privacy.export_tasks import export_run

SEARCH_LIMIT = 20


def already_running_message() -> str:
    return _("An export of this data is already being prepared. "
             "You can request another one when it has finished.")


def export_request(*, actor: User, customer: User,
                   request: HttpRequest | None = None) -> ExportJob:
    """Queue an export of `customer`'s data, asked by themself or by an administrator; it
    runs in the background once this commits. One in preparation per customer at a time."""
    if not customer.is_customer or not (actor.pk == customer.pk or actor.is_admin):
        raise NotFound(_("Not found."))
    with transaction.atomic():
        if ExportJob.objects.filter(customer=customer, status__in=ACTIVE_STATUSES).exists():
            raise ApplicationError(already_running_message())
        try:
            with transaction.atomic():
                job = ExportJob.objects.create(customer=customer, requested_by=actor)
        except IntegrityError:  # a second request racing this one (the constraint decides)
            raise ApplicationError(already_running_message()) from None
        record(Action.EXPORT_REQUESTED, actor=actor, request=request,
               target=f"user:{customer.pk}", export=job.pk)
        transaction.on_commit(lambda: export_run.delay(job.pk))
    return job


def export_downloaded(*, actor: User, job: ExportJob, request: HttpRequest | None) -> None:
    record(Action.EXPORT_DOWNLOADED, actor=actor, request=request,
           target=f"user:{job.customer_id}", export=job.pk)


def _visible_to(actor: User) -> QuerySet[ExportJob]:
    if actor.is_admin:
        return ExportJob.objects.all()
    if actor.is_authenticated and actor.is_active and actor.is_customer:
        return ExportJob.objects.filter(customer=actor, requested_by=actor)
    return ExportJob.objects.none()


def access_export_by_id(*, actor: User, export_id: int) -> ExportJob:
    job = _visible_to(actor).select_related("customer", "requested_by").filter(
        pk=export_id).first()
    if job is None:
        raise NotFound(_("Not found."))
    return job


def export_list(*, actor: User, customer: User, limit: int = 20) -> list[ExportJob]:
    """The latest exports of `customer` that `actor` may see, newest first."""
    return list(_visible_to(actor).filter(customer=customer)
                .select_related("requested_by")[:limit])


def access_customer_by_id(*, actor: User, user_id: int) -> User:
    """A customer's account, for an administrator's privacy page."""
    if not actor.is_admin:
        raise NotFound(_("Not found."))
    customer = User.objects.select_related("organization").filter(
        pk=user_id, role=Role.CUSTOMER).first()
    if customer is None:
        raise NotFound(_("Not found."))
    return customer


def customer_search(*, actor: User, query: str) -> list[User]:
    """Customers whose address contains `query` (administrators only), at most 20."""
    query = query.strip()
    if not actor.is_admin or not query:
        return []
    return list(User.objects.filter(role=Role.CUSTOMER, email__icontains=query)
                .select_related("organization").order_by("email")[:SEARCH_LIMIT])
