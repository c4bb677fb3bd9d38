"""The drill's writer: transactions through the public API at a bounded rate, each with its own id.

Writes go where users' writes go: HTTPS through nginx (trusting only the environment CA) to the API,
which keeps a connection to whichever database host accepts writes. Each write is a `POST
/api/v1/portfolios/{id}/transactions` whose `Idempotency-Key` is the write's id, so the id is stored
with the row and can be looked up afterwards. A write is *acknowledged* when the API answered 201:
the transaction committed (synchronously replicated where the cluster runs synchronous mode).

The writer is open-loop: a write is started every 1/rate seconds whatever happened to the previous
ones (a few may wait on a hung connection at once), so an outage shows as a gap in the
acknowledgements and not as one stuck request hiding the recovery.
"""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus

SYMBOL = "DRILL"


@dataclass
class Write:
    id: str
    sent: float  # monotonic seconds
    done: float | None = None
    status: int | None = None  # HTTP status; None for a transport error or timeout
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status == 201


@dataclass
class Clock:
    """Monotonic time for every measurement, and the wall time it corresponds to for the report."""

    start_monotonic: float = field(default_factory=time.monotonic)
    start_wall: float = field(default_factory=time.time)

    def now(self) -> float:
        return time.monotonic()

    def iso(self, monotonic: float) -> str:
        wall = self.start_wall + (monotonic - self.start_monotonic)
        return datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Writer:
    """Start with `start()`, stop with `stop()`; `writes` holds every attempt."""

    def __init__(self, base_url: str, ca: ssl.SSLContext, run_id: str, token: str, rate: float = 20.0,
                 timeout: float = 15.0, max_in_flight: int = 32) -> None:
        self.base_url = base_url
        self.token = token
        self.ca = ca
        self.run_id = run_id
        self.rate = rate
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.portfolio_id = ""
        self.writes: list[Write] = []
        self.skipped = 0  # ticks when max_in_flight writes were already waiting
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=max_in_flight, thread_name_prefix="drill-writer")
        self._ticker: threading.Thread | None = None
        self._in_flight = 0

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.base_url, verify=self.ca, timeout=self.timeout,
                                  headers={"Authorization": f"Bearer {self.token}"})
            self._local.client = client
        return client

    def create_portfolio(self, deadline_seconds: float = 30.0) -> str:
        deadline = time.monotonic() + deadline_seconds
        last = ""
        while time.monotonic() < deadline:
            try:
                response = self._client().post("/api/v1/portfolios",
                                               json={"name": f"dr drill {self.run_id}", "base_currency": "USD"})
                if response.status_code == 201:
                    self.portfolio_id = str(response.json()["id"])
                    return self.portfolio_id
                last = f"{response.status_code} {response.text[:120]}"
            except httpx.HTTPError as err:
                last = type(err).__name__
            time.sleep(0.5)
        raise QvError(f"the writer could not create its portfolio through {self.base_url}: {last}",
                      ExitStatus.UNREACHABLE)

    def start(self) -> None:
        if not self.portfolio_id:
            self.create_portfolio()
        self._ticker = threading.Thread(target=self._tick, name="drill-writer-ticker", daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        interval = 1.0 / self.rate
        seq = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            with self._lock:
                busy = self._in_flight >= self.max_in_flight
                if not busy:
                    self._in_flight += 1
            if busy:
                self.skipped += 1
            else:
                seq += 1
                write = Write(f"{self.run_id}-{seq:06d}", time.monotonic())
                with self._lock:
                    self.writes.append(write)
                self._pool.submit(self._send, write)
            next_at += interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _send(self, write: Write) -> None:
        body = {"symbol": SYMBOL, "side": "buy", "quantity": "1", "price": "1",
                "executed_at": datetime.now(UTC).isoformat()}
        try:
            response = self._client().post(f"/api/v1/portfolios/{self.portfolio_id}/transactions", json=body,
                                           headers={"Idempotency-Key": write.id})
            write.status = response.status_code
            if response.status_code != 201:
                write.error = response.text[:120]
        except httpx.HTTPError as err:
            write.error = type(err).__name__
        finally:
            write.done = time.monotonic()
            with self._lock:
                self._in_flight -= 1

    def stop(self) -> None:
        """Stop starting writes and wait for those in flight (each ends within its timeout)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        self._pool.shutdown(wait=True)

    def acknowledged_since(self, since: float) -> Write | None:
        with self._lock:
            writes = list(self.writes)
        return first_acknowledged_after(writes, since)

    def wait_acknowledged_since(self, since: float, timeout: float) -> Write | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.acknowledged_since(since)
            if found is not None:
                return found
            time.sleep(0.1)
        return None


def first_acknowledged_after(writes: Iterable[Write], since: float) -> Write | None:
    """The acknowledged write, started at or after `since`, whose acknowledgement came first."""
    acked = [w for w in writes if w.acknowledged and w.sent >= since and w.done is not None]
    return min(acked, key=lambda w: w.done or 0.0, default=None)


def new_run_id() -> str:
    return "drill-" + uuid.uuid4().hex[:10]
