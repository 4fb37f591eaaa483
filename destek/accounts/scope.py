"""Where a staff member works: the one place the outsourced-agent rule lives.

Agents, supervisors and admins work in every department. Outsourced agents work only in the
departments they are members of, and see nothing outside them (tickets, chats, customers,
colleagues, live-queue groups). Customers work in none. Every door asks these functions
instead of comparing roles itself.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from destek.accounts.models import STAFF_ROLES, Department, DepartmentMembership, Role, User


def works_in_every_department(user: User) -> bool:
    """Active agents, supervisors and admins."""
    return bool(user.is_authenticated and user.is_active and user.sees_all_departments)


def is_department_limited(user: User) -> bool:
    """An outsourced agent: limited to their own departments."""
    return bool(user.is_authenticated and user.role == Role.OUTSOURCED)


def member_department_ids(user: User) -> QuerySet[DepartmentMembership, int]:
    """The ids of the departments `user` is a member of, as a subquery."""
    return DepartmentMembership.objects.filter(agent_id=user.pk).values_list(
        "department_id", flat=True)


def in_scope(user: User, field: str = "department") -> Q:
    """A filter on rows with a department foreign key named `field`: the rows in the
    departments `user` works in (all, their own, or none)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if is_department_limited(user):
        return Q(**{f"{field}__in": member_department_ids(user)})
    if works_in_every_department(user):
        return Q()
    return Q(pk__in=[])


def departments_for(user: User) -> QuerySet[Department]:
    """The departments `user` works in."""
    if not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    if is_department_limited(user):
        return Department.objects.filter(pk__in=member_department_ids(user))
    if works_in_every_department(user):
        return Department.objects.all()
    return Department.objects.none()


def works_in_department(user: User, department_id: int | None) -> bool:
    """Whether `user` may work on something in the department `department_id` (one query for
    an outsourced agent, none otherwise)."""
    if is_department_limited(user):
        return department_id is not None and member_department_ids(user).filter(
            department_id=department_id).exists()
    return works_in_every_department(user)


def colleagues_for(user: User) -> QuerySet[User]:
    """The staff `user` may hand a ticket to: every active staff member, or, for an outsourced
    agent, the active staff who are members of one of their departments."""
    qs = User.objects.filter(role__in=STAFF_ROLES, is_active=True)
    if is_department_limited(user):
        qs = qs.filter(departments__in=member_department_ids(user)).distinct()
    return qs


def may_hand_work_to(user: User, colleague: User) -> bool:
    """Whether `user` may assign a ticket to `colleague` (one query for an outsourced agent)."""
    if not is_department_limited(user):
        return True
    return colleagues_for(user).filter(pk=colleague.pk).exists()
