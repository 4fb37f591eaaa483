"""A closed-loop HTTP load generator: C workers, each sending its next request as soon as the
previous one is answered, bounded in request count AND wall-clock time."""

from __future__ import annotations

import asyncio
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.stats import summarize_ms


@dataclass(frozen=True)
class RequestSpec:
    method: str
    path: str
    label: str  # the variant it is reported under, e.g. "queue=mine"
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None


@dataclass
class Outcome:
    samples: list[tuple[str, float]] = field(default_factory=list)  # (label, seconds), 2xx only
    errors: list[tuple[str, float]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    error_samples: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    machine_busy_s: float = 0.0
    machine_total_s: float = 0.0


MAX_ERROR_SAMPLES = 5


class TransportError(Exception):
    """The request got no HTTP answer (refused, reset, timed out)."""


class Transport:
    """One HTTP client with a keep-alive pool of `concurrency` connections to `base_url`.

    Each call reads the whole body, so a latency is time to the last byte.
    """

    async def send(self, spec: RequestSpec) -> tuple[int, bytes]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class HttpxTransport(Transport):
    name = "httpx"

    def __init__(self, base_url: str, *, concurrency: int, timeout: float,
                 headers: dict[str, str]) -> None:
        self._errors: tuple[type[Exception], ...] = (httpx.HTTPError,)
        self.client = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=concurrency,
                                max_keepalive_connections=concurrency))

    async def send(self, spec: RequestSpec) -> tuple[int, bytes]:
        try:
            response = await self.client.request(spec.method, spec.path, headers=spec.headers,
                                                 json=spec.json)
        except self._errors as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return response.status_code, response.content

    async def close(self) -> None:
        await self.client.aclose()


class AiohttpTransport(Transport):
    """About a third of httpx's client CPU per request, which matters on 2 shared cores."""

    name = "aiohttp"

    def __init__(self, base_url: str, *, concurrency: int, timeout: float,
                 headers: dict[str, str]) -> None:
        import aiohttp

        self._errors: tuple[type[Exception], ...] = (aiohttp.ClientError, asyncio.TimeoutError)
        self.base_url = base_url
        self.session = aiohttp.ClientSession(
            base_url=base_url, headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            connector=aiohttp.TCPConnector(limit=concurrency, force_close=False),
            cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)

    async def send(self, spec: RequestSpec) -> tuple[int, bytes]:
        try:
            async with self.session.request(spec.method, spec.path, headers=spec.headers,
                                            json=spec.json, allow_redirects=False) as response:
                return response.status, await response.read()
        except self._errors as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        await self.session.close()


def make_transport(kind: str, base_url: str, *, concurrency: int, timeout: float,
                   headers: dict[str, str] | None = None) -> Transport:
    """`auto` picks aiohttp when it is installed (pip install -e ".[bench]"), else httpx."""
    if kind == "auto":
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            kind = "httpx"
        else:
            kind = "aiohttp"
    cls = AiohttpTransport if kind == "aiohttp" else HttpxTransport
    return cls(base_url, concurrency=concurrency, timeout=timeout, headers=headers or {})


async def run_phase(client: Transport, make: Callable[[int], RequestSpec], *,
                    count: int, duration_s: float, concurrency: int,
                    rate: float = 0.0) -> Outcome:
    """Send up to `count` requests, for at most `duration_s`, `concurrency` at a time.

    With `rate` > 0 the requests are paced (request i is due at i/rate seconds) instead of
    back to back, and a latency counts from when the request was due, so a server that falls
    behind is charged for the wait (no coordinated omission).
    """
    outcome = Outcome()
    next_index = 0
    phase_start = time.perf_counter()
    deadline = phase_start + duration_s

    async def worker() -> None:
        nonlocal next_index
        while next_index < count and time.perf_counter() < deadline:
            index = next_index
            spec = make(index)
            next_index += 1
            started = time.perf_counter()
            if rate > 0:
                due = phase_start + index / rate
                if due > deadline:
                    return
                if due > started:
                    await asyncio.sleep(due - started)
                started = due
            status = "exception"
            body = ""
            try:
                code, content = await client.send(spec)
                status = str(code)
                ok = 200 <= code < 300
                if not ok:
                    body = content[:400].decode(errors="replace")
            except TransportError as exc:
                ok = False
                body = str(exc)[:400]
            elapsed = time.perf_counter() - started
            outcome.statuses[status] += 1
            if ok:
                outcome.samples.append((spec.label, elapsed))
            else:
                outcome.errors.append((spec.label, elapsed))
                if len(outcome.error_samples) < MAX_ERROR_SAMPLES:
                    outcome.error_samples.append({"status": status, "method": spec.method,
                                                 "path": spec.path, "body": body})

    cpu_before = _own_cpu()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    outcome.wall_s = time.perf_counter() - started
    outcome.client_cpu_s = _own_cpu() - cpu_before
    return outcome


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(outcome: Outcome) -> dict[str, Any]:
    """The JSON block of one scenario."""
    total = len(outcome.samples) + len(outcome.errors)
    by_label: dict[str, list[float]] = defaultdict(list)
    for label, seconds in outcome.samples:
        by_label[label].append(seconds)
    errors_by_label = Counter(label for label, _s in outcome.errors)
    variants = {}
    for label in sorted(set(by_label) | set(errors_by_label)):
        stats = summarize_ms(by_label[label])
        variants[label] = {"count": len(by_label[label]) + errors_by_label[label],
                           "errors": errors_by_label[label],
                           **{k: stats[k] for k in ("p50", "p95", "p99", "max")}}
    wall = outcome.wall_s or 1e-9
    block: dict[str, Any] = {
        "count": total,
        "errors": len(outcome.errors),
        "error_rate": round(len(outcome.errors) / total, 4) if total else None,
        "statuses": dict(outcome.statuses),
        "latency_ms": summarize_ms([s for _l, s in outcome.samples]),
        "requests_per_second": round(total / wall, 1),
        "ok_per_second": round(len(outcome.samples) / wall, 1),
        "duration_s": round(outcome.wall_s, 2),
        "cpu": {
            "client_s": round(outcome.client_cpu_s, 2),
            "client_ms_per_request": round(1000 * outcome.client_cpu_s / total, 2)
            if total else None,
            "server_s": round(outcome.server_cpu_s, 2) if outcome.server_cpu_s is not None
            else None,
            "server_ms_per_request": round(1000 * outcome.server_cpu_s / total, 2)
            if outcome.server_cpu_s is not None and total else None,
            "machine_busy_pct": round(100 * outcome.machine_busy_s / outcome.machine_total_s, 1)
            if outcome.machine_total_s else None,
        },
        "variants": variants,
    }
    if outcome.error_samples:
        block["error_samples"] = outcome.error_samples
    return block
