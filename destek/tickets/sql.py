"""The one statement of the tickets app written by hand: choosing the next agent in line.

Automatic assignment runs for every new ticket of a round-robin or least-loaded department.
Through the ORM (an annotated, ordered, locking queryset with a correlated count) Django
spent longer compiling the statement than the database spent answering it: ticket creation
through the API took 11.55 ms of CPU in-process against 9.22 ms with this statement, 25 % more
(bench/README.md, "Issue 11"; 8.14 ms before issue 11). Written once, it is the same
statement on PostgreSQL and SQLite; only the row lock is left out where the database has none
(SQLite writes one transaction at a time), as the ORM's select_for_update does. Table and
column names come from the models; every value is a parameter.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model

from destek.accounts.models import (
    STAFF_ROLES,
    AssignmentMode,
    Department,
    DepartmentMembership,
    User,
)
from destek.tickets.models import OPEN_STATUSES, Ticket

AUTOMATIC_MODES = (AssignmentMode.ROUND_ROBIN, AssignmentMode.LEAST_LOADED)


def next_agent_in_line(department_id: int, *, skip_locked: bool) -> User | None:
    """The agent whose turn it is in the department (their membership row locked until the
    transaction ends, and its id as `membership_id`), or None: the department is not (or no
    longer) automatic, or nobody is active, available and under their open-ticket limit.

    Least-loaded: the fewest open tickets first; both modes: the longest wait first
    (`last_assigned_at`, never first), then the membership id. The department's mode is read
    in this statement, so a department switched to manual since the caller read it gets no
    one. The candidates are MATERIALIZED: inlined, PostgreSQL counted each agent's open
    tickets once for the limit and again for the order (1.9 → 0.6 ms per routed ticket with
    seven agents of about 400 open tickets each, bench/README.md session 4)."""
    params = [*OPEN_STATUSES, department_id, *AUTOMATIC_MODES, *STAFF_ROLES,
              AssignmentMode.LEAST_LOADED]
    sql = _statement(connection.vendor, skip_locked=skip_locked)
    agents = list(User.objects.raw(sql, params))
    return agents[0] if agents else None


def _q(model: type[Model], field: str = "") -> str:
    quote = connection.ops.quote_name
    if not field:
        return quote(model._meta.db_table)
    return quote(str(model._meta.get_field(field).column))  # type: ignore[union-attr]


@cache
def _statement(_vendor: str, *, skip_locked: bool) -> str:
    m, u, d, t = DepartmentMembership, User, Department, Ticket
    agent_columns = ", ".join(f"u.{connection.ops.quote_name(str(f.column))}"
                              for f in User._meta.concrete_fields)
    marks = ", ".join
    lock = ""
    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF m" + (" SKIP LOCKED" if skip_locked else "")
    return (
        f"WITH candidates AS MATERIALIZED ("  # noqa: S608 (names from the models)
        f" SELECT m.{_q(m, 'id')} AS id,"
        f"  (SELECT COUNT(*) FROM {_q(t)} t WHERE t.{_q(t, 'assignee')} = m.{_q(m, 'agent')}"
        f"   AND t.{_q(t, 'status')} IN ({marks(['%s'] * len(OPEN_STATUSES))})) AS load"
        f" FROM {_q(m)} m"
        f" JOIN {_q(u)} u ON u.{_q(u, 'id')} = m.{_q(m, 'agent')}"
        f" JOIN {_q(d)} d ON d.{_q(d, 'id')} = m.{_q(m, 'department')}"
        f" WHERE m.{_q(m, 'department')} = %s"
        f"  AND d.{_q(d, 'assignment_mode')} IN ({marks(['%s'] * len(AUTOMATIC_MODES))})"
        f"  AND u.{_q(u, 'is_active')} AND u.{_q(u, 'is_available')}"
        f"  AND u.{_q(u, 'role')} IN ({marks(['%s'] * len(STAFF_ROLES))}))"
        f" SELECT {agent_columns}, m.{_q(m, 'id')} AS membership_id"
        f" FROM {_q(m)} m"
        f" JOIN candidates c ON c.id = m.{_q(m, 'id')}"
        f" JOIN {_q(u)} u ON u.{_q(u, 'id')} = m.{_q(m, 'agent')}"
        f" JOIN {_q(d)} d ON d.{_q(d, 'id')} = m.{_q(m, 'department')}"
        f" WHERE c.load < u.{_q(u, 'max_open_tickets')}"
        f" ORDER BY CASE WHEN d.{_q(d, 'assignment_mode')} = %s THEN c.load ELSE 0 END,"
        f"  m.{_q(m, 'last_assigned_at')} ASC NULLS FIRST, m.{_q(m, 'id')} ASC"
        f" LIMIT 1{lock}"
    )
