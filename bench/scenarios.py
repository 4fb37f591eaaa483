"""What the benchmark asks the server: the agent queue, the ticket view, search, ticket creation."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bench.load import RequestSpec

PRIORITIES = ["low", "normal", "normal", "normal", "high", "critical"]
SUBJECTS = ["Website returns 500 error", "Cannot send email", "SSL certificate renewal",
            "DNS not propagating", "Web sitem açılmıyor", "Invoice question",
            "Disk quota exceeded", "VPS unreachable"]
BODIES = ["Hello, since this morning my site shows an error page. Could you check the logs?",
          "Merhaba, e-posta gönderirken kimlik doğrulama hatası alıyorum.\n\nTeşekkürler.",
          "Please renew the certificate for shop.example.com, it expires on Friday."]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    make: Callable[[int], RequestSpec]
    client: str  # "session" (the logged-in agent) or "token"
    target: tuple[str, str, float] | None = None  # (metric, "<=" or ">=", value)


def queue_variants(fixture: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The first page of the queues and filters an agent uses most, by label."""
    departments = [d["id"] for d in fixture.get("departments", [])]
    tags = fixture.get("tags", [])
    variants: list[tuple[str, dict[str, str]]] = [
        ("default (open)", {}),
        ("queue=mine", {"queue": "mine"}),
        ("queue=unassigned", {"queue": "unassigned"}),
        ("queue=all", {"queue": "all"}),
        ("status=open", {"status": "open"}),
        ("status=pending", {"status": "pending"}),
        ("sort=priority", {"sort": "priority"}),
        ("sort=oldest", {"sort": "oldest"}),
        ("queue=all&sort=created", {"queue": "all", "sort": "created"}),
        ("priority=critical", {"priority": "40"}),
        ("assignee=me&queue=all", {"assignee": "me", "queue": "all"}),
    ]
    if departments:
        variants.append(("department", {"department": str(departments[0])}))
    if tags:
        variants.append(("tag", {"tag": tags[0], "queue": "all"}))
    return variants


def build(fixture: dict[str, Any], rng: random.Random) -> dict[str, Scenario]:
    variants = queue_variants(fixture)
    first_id, last_id = fixture["ticket_ids"]
    public_departments = [d["id"] for d in fixture["departments"] if d.get("public", True)]
    tokens = [c["token"] for c in fixture["customers"]] or [fixture["agent"]["token"]]

    def queue(i: int) -> RequestSpec:
        label, params = variants[i % len(variants)]
        query = f"?{urlencode(params)}" if params else ""
        return RequestSpec("GET", f"/desk/{query}", label)

    def ticket(_i: int) -> RequestSpec:
        return RequestSpec("GET", f"/desk/tickets/{rng.randint(first_id, last_id)}/", "ticket")

    def search(i: int) -> RequestSpec:
        terms = [("number", f"T-{100000 + rng.randint(first_id, last_id)}"), ("word", "ssl"),
                 ("email", fixture["customers"][0]["email"] if fixture["customers"] else "x@y")]
        label, term = terms[i % len(terms)]
        return RequestSpec("GET", f"/desk/?{urlencode({'q': term, 'queue': 'all'})}",
                           f"q={label}")

    def create(i: int) -> RequestSpec:
        body = {"subject": f"{rng.choice(SUBJECTS)} #{i}", "body": rng.choice(BODIES),
                "department": rng.choice(public_departments), "priority": rng.choice(PRIORITIES)}
        # Many customers open tickets at once; each has its own token (and throttle bucket).
        token = tokens[i % len(tokens)]
        return RequestSpec("POST", "/api/v1/tickets/", "create",
                           headers={"Authorization": f"Token {token}"}, json=body)

    return {
        "queue": Scenario("queue", "agent queue, first page: GET /desk/ with "
                          f"{len(variants)} filter/sort variants in turn", queue, "session",
                          ("latency_ms.p95", "<=", 50)),
        "ticket": Scenario("ticket", "ticket view: GET /desk/tickets/<random id>/", ticket,
                           "session", ("latency_ms.p95", "<=", 50)),
        "create": Scenario("create", "ticket creation: POST /api/v1/tickets/ (JSON, Token auth, "
                           f"{len(tokens)} customers)", create, "token",
                           ("ok_per_second", ">=", 150)),
        "health": Scenario("health", "framework floor: GET /healthz (middleware, one query, "
                           "no session)", lambda _i: RequestSpec("GET", "/healthz", "health"),
                           "token", None),
        "signed_in": Scenario("signed_in", "signed-in floor: GET /api/v1/auth/token/me/ as the "
                              "agent (middleware, session, user, one query, a small JSON "
                              "answer)", lambda _i: RequestSpec("GET", "/api/v1/auth/token/me/",
                                                                "signed_in"), "session", None),
        "search": Scenario("search", "queue search: GET /desk/?q= (number, word, email)",
                           search, "session", None),
    }
