"""A small client for WHMCS's API: every call is a form POST to `<url>/includes/api.php`
authenticated with an API credential (identifier and secret, Setup > Staff Management > Manage
API Credentials), answered in JSON (`responsetype=json`).

A reply says `"result": "success"` or `"result": "error"` with a `message` (wrong credentials,
the caller's IP not allowed, an unknown action…): that is `WhmcsApiError`, never retried.
Lists come in pages (`limitstart` offset, `limitnum` size; the reply gives `totalresults` and
`numreturned`, sometimes as strings). Timeouts, connection failures and 5xx answers are
retried with a growing pause; when they persist, `WhmcsUnavailable`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

# Transient answers worth another try: the server or a proxy in front of it is struggling.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class WhmcsError(Exception):
    """Anything that stopped a call; `message` is shown to the admin as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WhmcsApiError(WhmcsError):
    """WHMCS answered `result: error` (credentials, IP allow-list, permissions…)."""


class WhmcsUnavailable(WhmcsError):
    """No usable answer after every retry (timeouts, refused connections, 5xx)."""


class WhmcsBadResponse(WhmcsError):
    """An answer that is not WHMCS's JSON (a login page, an HTML error, a 404…)."""


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    start: int
    total: int


# Where each list action puts its rows: {"clients": {"client": [...]}}.
LIST_KEYS: dict[str, tuple[str, str]] = {
    "GetClients": ("clients", "client"),
    "GetClientsProducts": ("products", "product"),
    "GetClientsDomains": ("domains", "domain"),
    "GetProducts": ("products", "product"),
    "GetCurrencies": ("currencies", "currency"),
}


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def rows_of(action: str, reply: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The list in a reply; WHMCS sends an empty string or `{}` instead of an empty list."""
    outer, inner = LIST_KEYS[action]
    container = reply.get(outer)
    rows = container.get(inner) if isinstance(container, dict) else None
    if isinstance(rows, dict):  # a single row, from some versions
        return [rows]
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


class WhmcsClient:
    def __init__(self, *, url: str, identifier: str, secret: str, timeout: float = 30.0,
                 attempts: int = 4, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.endpoint = url.rstrip("/") + "/includes/api.php"
        self._credentials = {"identifier": identifier, "secret": secret,
                             "responsetype": "json"}
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._sleep = sleep
        self.calls = 0  # HTTP requests sent, retries included
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport,
                                  follow_redirects=False,
                                  headers={"User-Agent": "Destek WHMCS sync"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WhmcsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """One API action; its reply when WHMCS says success."""
        data = {**{k: str(v) for k, v in params.items() if v is not None}, "action": action,
                **self._credentials}
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            self.calls += 1
            try:
                response = self._http.post(self.endpoint, data=data)
            except httpx.TimeoutException:
                problem = f"{action}: WHMCS did not answer in time"
                continue
            except httpx.TransportError as error:
                problem = f"{action}: cannot reach WHMCS ({type(error).__name__}: {error})"
                continue
            if response.status_code in RETRY_STATUSES:
                problem = f"{action}: WHMCS answered HTTP {response.status_code}"
                continue
            return self._reply(action, response)
        raise WhmcsUnavailable(f"{problem} (tried {self.attempts} times)")

    def _reply(self, action: str, response: httpx.Response) -> dict[str, Any]:
        try:
            reply = response.json()
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise WhmcsBadResponse(
                f"{action}: not a WHMCS API answer (HTTP {response.status_code}, "
                f"{response.headers.get('content-type', 'no content type')}); check the URL")
        if str(reply.get("result", "")).lower() != "success":
            message = str(reply.get("message") or "unknown error")
            raise WhmcsApiError(f"{action}: {message}")
        return reply

    def page(self, action: str, *, start: int, size: int, **params: Any) -> Page:
        reply = self.call(action, limitstart=start, limitnum=size, **params)
        rows = rows_of(action, reply)
        return Page(rows=rows, start=start, total=_int(reply.get("totalresults"), len(rows)))

    def pages(self, action: str, *, size: int = 250, **params: Any) -> Iterator[Page]:
        """Every page of a list, in order; a failure raises (see `run.py` for a sync that
        skips a failed page and carries on)."""
        start = 0
        while True:
            page = self.page(action, start=start, size=size, **params)
            if page.rows:
                yield page
            start += len(page.rows)
            if not page.rows or start >= page.total:
                return

    def all_rows(self, action: str, **params: Any) -> list[dict[str, Any]]:
        """A small unpaged list (products, currencies)."""
        return rows_of(action, self.call(action, **params))
