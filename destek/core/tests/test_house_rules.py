"""House rules that hold without anyone remembering them (docs/architecture.md, CONTRIBUTING.md).

Who may import whom is checked by import-linter (`./dev lint`); the rules below are about
constructs, so they read the source.
"""

from __future__ import annotations

import ast
from pathlib import Path

import destek

SOURCE = Path(destek.__file__).parent

# Libraries whose only interface is a signal: receiving there is the library's API, not ours.
SIGNAL_DOORS = {
    # django-anymail hands provider inbound webhooks to the `inbound` signal and nothing else.
    "mail/doors/webhooks.py": {"anymail.signals", "django.dispatch"},
    # Celery's worker lifecycle hooks (worker import, logging set up): process start-up, not
    # domain events.
    "celery.py": {"celery.signals"},
    # The same for the production worker's fork preparation (before any fork, before each).
    "worker.py": {"celery.signals"},
    # The web processes' housekeeping after each request (free memory given back), likewise.
    "core/server.py": {"django.core.signals"},
}


def product_modules() -> list[Path]:
    return sorted(path for path in SOURCE.rglob("*.py")
                  if "tests" not in path.parts and "migrations" not in path.parts)


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_signal_module(name: str) -> bool:
    return (name.startswith("django.dispatch") or name.split(".")[-1] == "signals"
            or ".signals." in name)


def test_no_django_signals() -> None:
    """Side effects are called explicitly by services or wired in destek/wiring.py; a signal
    receiver hides them (and runs for writes nobody meant to trigger)."""
    offenders = []
    for path in product_modules():
        relative = path.relative_to(SOURCE).as_posix()
        allowed = SIGNAL_DOORS.get(relative, set())
        used = {name for name in imported_modules(ast.parse(path.read_text()))
                if is_signal_module(name)}
        if any(not any(name == ok or name.startswith(f"{ok}.") for ok in allowed)
               for name in used):
            offenders.append(f"{relative}: {sorted(used)}")
    assert offenders == []


def test_the_signal_check_catches_a_receiver() -> None:
    tree = ast.parse("from django.db.models.signals import post_save\n"
                     "from django.dispatch import receiver\n")
    assert {name for name in imported_modules(tree) if is_signal_module(name)} == {
        "django.db.models.signals", "django.db.models.signals.post_save",
        "django.dispatch", "django.dispatch.receiver"}


def test_every_documented_signal_door_exists() -> None:
    for relative in SIGNAL_DOORS:
        assert (SOURCE / relative).exists(), f"{relative} is gone: drop its exemption"


def environment_variables_read(tree: ast.AST) -> set[str]:
    """Names passed as the first argument of env.<type>("NAME", …), os.environ.get("NAME"),
    os.getenv("NAME") and os.environ["NAME"]."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            owner = func.value if isinstance(func, ast.Attribute) else None
            owner_name = (owner.id if isinstance(owner, ast.Name)
                          else owner.attr if isinstance(owner, ast.Attribute) else "")
            if owner_name in {"env", "environ", "os"} and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
              and node.value.attr == "environ" and isinstance(node.slice, ast.Constant)):
            names.add(str(node.slice.value))
    return {name for name in names if name.isupper()}


def test_every_environment_variable_is_documented() -> None:
    """docs/configuration.md lists every variable Destek reads."""
    documented = (SOURCE.parent / "docs" / "configuration.md").read_text()
    read: set[str] = set()
    for path in product_modules():
        read |= environment_variables_read(ast.parse(path.read_text()))
    assert "DATABASE_URL" in read and "DESTEK_MAIL_CLOSED_REPLY" in read
    missing = sorted(name for name in read if f"`{name}`" not in documented
                     and name != "DJANGO_SETTINGS_MODULE")
    assert missing == []


def unclosed_template_comments(text: str) -> list[int]:
    """Lines opening a `{# … #}` comment they do not close: Django's short comments are one
    line only, so the rest would be shown to every reader of the page."""
    return [number for number, line in enumerate(text.splitlines(), 1)
            if line.count("{#") > line.count("#}")]


def test_template_comments_close_on_their_line() -> None:
    found = [f"{path.relative_to(SOURCE)}:{number}"
             for path in sorted(SOURCE.rglob("*.html")) + sorted(SOURCE.rglob("*.txt"))
             if "templates" in path.parts
             for number in unclosed_template_comments(path.read_text(encoding="utf-8"))]
    assert not found, "use {% comment %} for comments over several lines: " + ", ".join(found)


def test_the_comment_check_catches_a_comment_over_two_lines() -> None:
    assert unclosed_template_comments("<p>\n{# why,\n   and more #}\n</p>") == [2]
    assert unclosed_template_comments("{# one line #}<p>{# another #}</p>") == []
