"""Start a production-like Destek server on 127.0.0.1 for a benchmark, and stop it afterwards.

The server runs `destek run --no-worker --no-demo --workers W` in its own process group
(session), with DEBUG=0, a random 64-character SECRET_KEY and ALLOWED_HOSTS=127.0.0.1. Only
that process group is ever signalled.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerConfig:
    database_url: str
    workers: int = 2
    port: int = 0
    redis_url: str = ""
    settings_module: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    cwd: Path = Path(__file__).resolve().parent.parent
    start_timeout_s: float = 180.0


class Server:
    """A `destek run` process group; use as a context manager."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.port = config.port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.data_dir = Path(tempfile.mkdtemp(prefix="destek-bench-"))
        self.log_path = self.data_dir / "server.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.config.database_url,
            "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "DESTEK_DATA_DIR": str(self.data_dir),
            "DESTEK_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
        })
        env.pop("REDIS_URL", None)
        if self.config.redis_url:
            env["REDIS_URL"] = self.config.redis_url
        if self.config.settings_module:
            env["DJANGO_SETTINGS_MODULE"] = self.config.settings_module
        env.update(self.config.extra_env)
        return env

    def command(self) -> list[str]:
        return [sys.executable, "-m", "destek.cli", "run", "--host", HOST, "--port",
                str(self.port), "--workers", str(self.config.workers), "--no-worker",
                "--no-demo"]

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(), cwd=self.config.cwd, env=self.env(), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.config.start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz in time:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def pids(self) -> list[int]:
        """Every live process of the server's group (the runner and its uvicorn workers)."""
        if self.process is None:
            return []
        group = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) == group:
                    found.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's processes."""
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        return total

    def keep_log(self, path: Path) -> None:
        """Copy the server's output next to the results, then remove its data directory."""
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.log_path, path)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        # uvicorn's worker processes are in the same group; make sure none is left.
        for _ in range(20):
            if not self.pids():
                break
            time.sleep(0.25)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def postgres_cpu_seconds(database: str) -> float | None:
    """User + system CPU time so far of the PostgreSQL backends connected to `database`
    (processes titled "postgres: … <database> …"; background writers are not counted).
    None without /proc; 0 when PostgreSQL runs elsewhere or as a user we cannot see."""
    if not Path("/proc").is_dir():
        return None
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres:") or f" {database} " not in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def load_average() -> float | None:
    """The 1-minute load average: other work on this 2-core machine skews every figure."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError):
        return None


def wait_for_quiet(threshold: float, max_wait_s: float) -> float | None:
    """Wait (at most max_wait_s) until the load average drops under threshold."""
    deadline = time.monotonic() + max_wait_s
    while True:
        load = load_average()
        if load is None or load < threshold or time.monotonic() >= deadline:
            return load
        time.sleep(5)


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    values = [int(x) for x in parts]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK
