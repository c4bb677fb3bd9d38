"""Bounded load on the API through nginx, as users would send it, with every answer recorded.

A fixed rate (requests per second, spread over a few threads with their own keep-alive
connections) over a mix of read routes of one portfolio, so that each route has requests in
every analysis window. Each request's time, route and status (or the error that replaced one)
is kept: the tests count what users saw, before, during and after a rollout.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Answer:
    at: float  # wall-clock time (time.time()) it was sent: rollouts record theirs in UTC
    route: str
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    seconds: float
    error: str = ""  # what replaced the answer when status is 0
    retried: bool = False  # resent once on a keep-alive connection nginx closed unused (see _get)

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


def _get(client: httpx.Client, path: str) -> tuple[int, str, bool]:
    """A GET as HTTP clients send it: when the server closed the idle keep-alive connection the
    request went out on (nginx's old workers do so on reload) before any byte of an answer, the
    idempotent request is sent once more on a new connection (RFC 9112, 9.3.1)."""
    retried = False
    for attempt in range(2):
        try:
            return client.get(path).status_code, "", retried
        except httpx.RemoteProtocolError as err:
            if attempt or "without sending a response" not in str(err):
                return 0, f"{type(err).__name__}: {err}", retried
            retried = True
        except httpx.HTTPError as err:
            return 0, f"{type(err).__name__}: {err}", retried
    raise AssertionError("unreachable")


@dataclass
class Load:
    base_url: str
    trust: ssl.SSLContext
    token: str  # the load's user: `qvctl token`
    rate: float = 40.0  # requests per second, all threads together
    threads: int = 4
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def routes(self, client: httpx.Client) -> list[tuple[str, str]]:
        created = client.post("/api/v1/portfolios", json={"name": "rollout load", "base_currency": "USD"})
        created.raise_for_status()
        pid = created.json()["id"]
        return [
            ("portfolio", f"/api/v1/portfolios/{pid}"),
            ("holdings", f"/api/v1/portfolios/{pid}/holdings"),
            ("transactions", f"/api/v1/portfolios/{pid}/transactions"),
        ]

    def _worker(self, routes: list[tuple[str, str]], offset: int) -> None:
        period = self.threads / self.rate
        next_at = time.monotonic() + offset * period / self.threads
        with httpx.Client(base_url=self.base_url, verify=self.trust, timeout=10,
                          headers={"Authorization": f"Bearer {self.token}"}) as client:
            index = offset
            while not self._stop.is_set():
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += period
                name, path = routes[index % len(routes)]
                index += 1
                sent, started = time.time(), time.monotonic()
                status, error, retried = _get(client, path)
                with self._lock:
                    self.answers.append(Answer(sent, name, status, time.monotonic() - started, error, retried))

    @contextmanager
    def running(self) -> Iterator[Load]:
        with httpx.Client(base_url=self.base_url, verify=self.trust, timeout=10,
                          headers={"Authorization": f"Bearer {self.token}"}) as client:
            routes = self.routes(client)
        workers = [threading.Thread(target=self._worker, args=(routes, i), daemon=True) for i in range(self.threads)]
        for worker in workers:
            worker.start()
        try:
            yield self
        finally:
            self._stop.set()
            for worker in workers:
                worker.join(timeout=15)

    def between(self, start: float, end: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if start <= a.at < end]

    def describe_failures(self, start: float = 0.0, end: float = float("inf")) -> str:
        seen = self.between(start, end)
        failed = [f"+{a.at - start:.2f}s {a.route} {a.status or a.error}" for a in seen if a.failed]
        retried = sum(a.retried for a in seen)
        return f"{len(seen)} answers, {len(failed)} failed {failed[:10]}, {retried} resent on a closed keep-alive"

    def failed_fraction(self, start: float = 0.0, end: float = float("inf")) -> float:
        seen = self.between(start, end)
        return sum(a.failed for a in seen) / len(seen) if seen else 0.0
