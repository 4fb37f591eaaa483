"""What the figures were measured on: the machine, the software, and the data size."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "django": _version("Django"),
        "uvicorn": _version("uvicorn"),
        "psycopg": _version("psycopg"),
        "httpx": _version("httpx"),
    }


def postgres_url(database_url: str) -> str:
    """psycopg wants postgresql:// or postgres://; dj-database-url style URLs already are."""
    return database_url.split("?", 1)[0]


def database_info(database_url: str) -> dict[str, Any]:
    """PostgreSQL version, database size and the row counts the figures depend on."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return {"vendor": "other", "url_scheme": database_url.split(":", 1)[0]}
    with psycopg.connect(postgres_url(database_url), connect_timeout=10) as conn:
        row = conn.execute("SELECT current_setting('server_version'), current_database(), "
                           "pg_size_pretty(pg_database_size(current_database())), "
                           "current_setting('shared_buffers'), "
                           "current_setting('max_connections')").fetchone()
        assert row is not None
        counts: dict[str, int] = {}
        for name, table, where in (
            ("tickets", "tickets_ticket", ""),
            ("open_tickets", "tickets_ticket",
             "WHERE status IN ('new', 'open', 'pending', 'on_hold')"),
            ("messages", "tickets_message", ""),
            ("events", "tickets_ticketevent", ""),
            ("users", "accounts_user", ""),
        ):
            result = conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()  # noqa: S608
            counts[name] = int(result[0]) if result else 0
        per_ticket = conn.execute(
            "SELECT min(message_count), max(message_count), round(avg(message_count), 2) "
            "FROM tickets_ticket").fetchone()
    return {
        "vendor": "postgresql",
        "version": row[0],
        "database": row[1],
        "size": row[2],
        "shared_buffers": row[3],
        "max_connections": row[4],
        "rows": counts,
        "messages_per_ticket": {"min": per_ticket[0], "max": per_ticket[1],
                                "mean": float(per_ticket[2])} if per_ticket else None,
    }
