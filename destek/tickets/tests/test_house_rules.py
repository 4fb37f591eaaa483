"""House rule: only the intake funnel (tickets/intake.py) creates tickets and messages.

Every channel, the test factories and the demo data go through `tickets.intake.receive`, so
deduplication, routing, audit events and notifications cannot be forgotten by a new door.
This scans the product's source (not tests, not migrations) for a Ticket or Message being
built or created anywhere else.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the destek package
MODELS_MODULE = "destek.tickets.models"
MODELS = {"Ticket", "Message"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
CREATING = {"create", "bulk_create", "get_or_create", "update_or_create"}
FUNNEL = "tickets/intake.py"
# The only exemptions, each with its reason.
EXEMPT = {
    # `destek seed` writes 100,000 tickets with COPY: through the funnel that would take the
    # best part of an hour (destek/demo/sql.py). Its rows follow the funnel's rules.
    "demo/seeding/writer.py": "the bench data generator's bulk writer",
    # A scratch Ticket, never saved, carries the status times through the funnel's own
    # stamp_status_times for that generator.
    "demo/seeding/conversations.py": "the bench data generator's scratch ticket",
}


def _model_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """The local names bound to Ticket / Message, and those bound to their models module."""
    models: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == MODELS_MODULE:
            for alias in node.names:
                if alias.name in MODELS:
                    models[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "destek.tickets":
            modules.update(a.asname or a.name for a in node.names if a.name == "models")
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names
                           if a.name == MODELS_MODULE and a.asname)
    return models, modules


def _model_of(node: ast.expr, models: dict[str, str], modules: set[str]) -> str | None:
    """`Ticket` or `models.Ticket` (as imported in this module): which model it names."""
    if isinstance(node, ast.Name):
        return models.get(node.id)
    if (isinstance(node, ast.Attribute) and node.attr in MODELS
            and isinstance(node.value, ast.Name) and node.value.id in modules):
        return node.attr
    return None


def _manager_model(node: ast.expr, models: dict[str, str], modules: set[str]) -> str | None:
    """The model of a manager chain: `Ticket.objects`, `Ticket.objects.using("x")`…"""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            return _model_of(node.value, models, modules)
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return None


def creations(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each Ticket or Message built or created in `source`."""
    tree = ast.parse(source)
    models, modules = _model_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        built = _model_of(node.func, models, modules)
        if built:
            yield node.lineno, f"{built}(…)"
        elif isinstance(node.func, ast.Attribute) and node.func.attr in CREATING:
            model = _manager_model(node.func.value, models, modules)
            if model:
                yield node.lineno, f"{model}.objects.{node.func.attr}(…)"


def _product_sources() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def test_only_the_funnel_creates_tickets_and_messages() -> None:
    found = []
    for path in _product_sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative == FUNNEL or relative in EXEMPT:
            continue
        found += [f"destek/{relative}:{line}: {what}"
                  for line, what in creations(path.read_text())]
    assert not found, ("Tickets and messages are created by tickets.intake.receive only:\n"
                       + "\n".join(found))


def test_the_exemptions_still_exist() -> None:
    for relative in [FUNNEL, *EXEMPT]:
        assert (ROOT / relative).exists(), relative
    assert list(creations((ROOT / FUNNEL).read_text())), "the funnel creates them"


@pytest.mark.parametrize("source", [
    "from destek.tickets.models import Ticket\nTicket.objects.create(subject='x')",
    "from destek.tickets.models import Message as M\nM.objects.bulk_create([])",
    "from destek.tickets.models import Message\nMessage(body_text='x').save()",
    "from destek.tickets import models\nmodels.Ticket.objects.using('default').create()",
    "from destek.tickets.models import Ticket\nTicket._base_manager.get_or_create(pk=1)",
])
def test_the_scan_finds_a_creation(source: str) -> None:
    assert list(creations(source))


@pytest.mark.parametrize("source", [
    "from email.message import Message\nMessage()",  # another module's Message
    "from destek.tickets.models import Ticket\nTicket.objects.filter(pk=1).update(x=1)",
    "from destek.tickets.models import Ticket\nTicket.tags.through.objects.bulk_create([])",
])
def test_the_scan_ignores_what_is_not_a_creation(source: str) -> None:
    assert not list(creations(source))
