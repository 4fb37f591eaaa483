"""The production deployment of docs/deployment.md on this machine, for end-to-end benchmarks.

Every role runs in its own process group (session) so its processes can be found, measured
and stopped without touching anything else:

- `web`: `destek run --no-worker --no-demo --workers W` (uvicorn, HTTP and WebSockets)
- `worker`: the Celery worker (composes and sends notifications, processes inbound mail)
- `beat`: the Celery scheduler (sweeps, SLA scans)
- `smtpd`: the SMTP door (`destek smtpd`)
- `sink`: a local SMTP server standing in for the company's mail relay; outgoing mail is
  handed to it and discarded. It is not Destek, so it is reported apart from the total.

CPU is read from /proc (user + system, every process of a role, including children that
ended, through cutime/cstime of the group leader); memory is the proportional set size
(PSS, from /proc/<pid>/smaps_rollup), which counts a page shared by N processes as 1/N in
each: the memory the deployment really takes.
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
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAILBOX = "support@bench.example"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Shape:
    """What runs: the documented production default (docs/deployment.md) unless a run says
    otherwise."""

    web_workers: int = 2
    worker_args: tuple[str, ...] = ("--concurrency", "2")
    beat: bool = False  # a separate `celery beat`; False: the worker embeds it (--beat)
    smtpd: bool = True  # an SMTP door
    separate_smtpd: bool = False  # `destek smtpd` on its own; False: the worker serves it
    extra_env: dict[str, str] = field(default_factory=dict)
    worker_app: str = "destek.worker"  # `destek` for trees from before issue 14 (the baseline)


def production_commands(shape: Shape, *, web_port: int, smtpd_port: int) -> dict[str, list[str]]:
    """The command of each role, as docs/deployment.md runs them."""
    python = sys.executable
    worker = [python, "-m", "celery", "-A", shape.worker_app, "worker", "--loglevel",
              "WARNING", *shape.worker_args]
    if not shape.beat:
        worker.append("--beat")
    if shape.smtpd and not shape.separate_smtpd:
        worker += ["--smtpd-host", HOST, "--smtpd-port", str(smtpd_port)]
    commands = {
        "web": [python, "-m", "destek.cli", "run", "--no-worker", "--no-demo", "--host", HOST,
                "--port", str(web_port), "--workers", str(shape.web_workers)],
        "worker": worker,
    }
    if shape.beat:
        commands["beat"] = [python, "-m", "celery", "-A", "destek", "beat", "--loglevel",
                            "WARNING"]
    if shape.smtpd and shape.separate_smtpd:
        commands["smtpd"] = [python, "-m", "destek.cli", "smtpd", "--host", HOST, "--port",
                             str(smtpd_port)]
    return commands


def _stat_fields(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def group_pids(group: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.getpgid(int(entry.name)) == group:
                    found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int], *, children_of: int | None = None) -> float:
    """User + system CPU of `pids`, plus what ended children of `children_of` used."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = _stat_fields(pid)
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
            if pid == children_of:
                total += (int(fields[13]) + int(fields[14])) / CLK_TCK
    return total


def pss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


def postgres_pids() -> tuple[list[int], int | None]:
    """Every PostgreSQL process of this machine, and the postmaster (parent of the rest)."""
    pids, postmaster = [], None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            comm = (entry / "comm").read_text().strip()
            if comm.startswith(("postgres", "postmaster")):
                pid = int(entry.name)
                pids.append(pid)
                cmdline = (entry / "cmdline").read_bytes()
                if not cmdline.startswith(b"postgres:"):
                    postmaster = pid
    return pids, postmaster


def postgres_cpu_seconds() -> float:
    """All of PostgreSQL's CPU so far, ended backends included (the postmaster reaps them):
    a backend per connection would otherwise take its CPU with it. Other databases' work on
    this server is counted too: run end-to-end benchmarks on a quiet server."""
    pids, postmaster = postgres_pids()
    return cpu_seconds(pids, children_of=postmaster)


def self_cpu_seconds() -> float:
    usage = os.times()
    return usage.user + usage.system


class Deployment:
    """Start every role, measure them, stop them. Use as a context manager."""

    def __init__(self, *, database_url: str, redis_url: str, shape: Shape | None = None,
                 broker_url: str = "", secret_key: str = "") -> None:
        self.shape = shape or Shape()
        # One secret for every role: signed links and reply tokens must verify everywhere.
        self.secret_key = secret_key or secrets.token_urlsafe(48)
        self.database_url = database_url
        self.redis_url = redis_url
        self.broker_url = broker_url or redis_url
        self.web_port = free_port()
        self.smtpd_port = free_port()
        self.sink_port = free_port()
        self.url = f"http://{HOST}:{self.web_port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="destek-e2e-"))
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._peak_lock = threading.Lock()
        self.peak_pss: dict[str, float] = {}
        self._sampling = threading.Event()

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.broker_url,
            "SECRET_KEY": self.secret_key,
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "DESTEK_DATA_DIR": str(self.data_dir),
            "DESTEK_BASE_URL": self.url,
            "DESTEK_EMAIL_URL": f"smtp://{HOST}:{self.sink_port}",
            "DEFAULT_FROM_EMAIL": f"Bench Support <{MAILBOX}>",
            "DESTEK_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        })
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.update(self.shape.extra_env)
        return env

    def commands(self) -> dict[str, list[str]]:
        commands = production_commands(self.shape, web_port=self.web_port,
                                       smtpd_port=self.smtpd_port)
        commands["sink"] = [sys.executable, "-m", "bench.sink", "--port", str(self.sink_port)]
        return commands

    def start(self) -> None:
        env = self.env()
        for role, command in self.commands().items():
            log = (self.data_dir / f"{role}.log").open("wb")
            self.processes[role] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            log.close()
        self._wait_ready()
        threading.Thread(target=self._sample_memory, daemon=True).start()

    def _wait_ready(self, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for role, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{role} exited with {process.returncode}:\n"
                                       f"{self.log_tail(role)}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2.0).status_code == 200 and \
                        self._worker_ready() and self._port_open(self.sink_port) and \
                        (not self.shape.smtpd or self._port_open(self.smtpd_port)):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the deployment did not come up in time:\n" +
                           "\n".join(self.log_tail(role) for role in self.processes))

    def _port_open(self, port: int) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex((HOST, port)) == 0

    def _worker_ready(self) -> bool:
        return "ready" in self.log_tail("worker", 200) or bool(self._worker_children())

    def _worker_children(self) -> list[int]:
        process = self.processes.get("worker")
        return group_pids(process.pid)[1:] if process else []

    def log_tail(self, role: str, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            text = (self.data_dir / f"{role}.log").read_text(errors="replace")
            return f"--- {role} ---\n" + "\n".join(text.splitlines()[-lines:])
        return ""

    def pids(self) -> dict[str, list[int]]:
        return {role: group_pids(process.pid) for role, process in self.processes.items()}

    def cpu_by_role(self) -> dict[str, float]:
        return {role: cpu_seconds(pids, children_of=self.processes[role].pid)
                for role, pids in self.pids().items()}

    def pss_by_role(self) -> dict[str, float]:
        return {role: sum(pss_mib(pid) for pid in pids) for role, pids in self.pids().items()}

    def _sample_memory(self) -> None:
        while not self._sampling.is_set():
            now = self.pss_by_role()
            now["destek"] = sum(v for role, v in now.items() if role != "sink")
            with self._peak_lock:
                for role, value in now.items():
                    self.peak_pss[role] = max(self.peak_pss.get(role, 0.0), value)
            self._sampling.wait(1.0)

    def reset_peaks(self) -> None:
        with self._peak_lock:
            self.peak_pss = {}

    def stop(self) -> None:
        self._sampling.set()
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        for process in self.processes.values():
            for _ in range(40):
                if not group_pids(process.pid):
                    break
                time.sleep(0.25)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)

    def keep_logs(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for role in self.processes:
            with contextlib.suppress(OSError):
                shutil.copyfile(self.data_dir / f"{role}.log", directory / f"{name}.{role}.log")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Deployment:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
