"""Health checks: each component's own check, then a portfolio round trip through nginx.

Checks speak each component's protocol (HTTP health endpoints, Redis PING) and trust only
the environment CA for TLS. A check returns (healthy, detail); the gate retries until a
deadline because services that Ansible just (re)started may need a few seconds.
"""

from __future__ import annotations

import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from qvctl.context import QvError
from qvctl.platform import emulator
from qvctl.platform.components import Component
from qvctl.platform.paths import EnvPaths


@dataclass(frozen=True)
class Health:
    healthy: bool
    detail: str


@dataclass(frozen=True)
class Trust:
    """What qvctl trusts and shows: the environment CA, and its own client certificate for the
    services that require one (etcd, pgBackRest)."""

    ca: Path | None
    client_cert: Path | None = None
    client_key: Path | None = None

    @classmethod
    def of(cls, paths: EnvPaths) -> Trust:
        ca = paths.ca_cert if paths.ca_cert.exists() else None
        if paths.client_cert.exists() and paths.client_key.exists():
            return cls(ca, paths.client_cert, paths.client_key)
        return cls(ca)

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca) if self.ca and self.ca.exists() else None)
        if self.client_cert is not None and self.client_key is not None:
            context.load_cert_chain(str(self.client_cert), str(self.client_key))
        return context


def _http(url: str, trust: Trust, timeout: float) -> httpx.Response:
    with httpx.Client(verify=trust.context(), timeout=timeout, follow_redirects=False) as client:
        return client.get(url)


def _component_http(c: Component, path: str, trust: Trust, timeout: float) -> httpx.Response:
    scheme = "https" if c.tls else "http"
    return _http(f"{scheme}://{c.address}:{c.port}{path}", trust, timeout)


def check_emulator(c: Component, trust: Trust, timeout: float) -> Health:
    try:
        emulator.client(c.address, c.port, "us-east-1", "sts").get_caller_identity()
    except Exception as err:  # botocore has many error types
        return Health(False, str(err).splitlines()[0][:120])
    return Health(True, "STS answers")


def check_etcd(c: Component, trust: Trust, timeout: float) -> Health:
    r = _component_http(c, "/health", trust, timeout)
    ok = r.status_code == 200 and str(r.json().get("health")) == "true"
    return Health(ok, f"/health {r.status_code} {r.text.strip()[:60]}")


def check_patroni(c: Component, trust: Trust, timeout: float) -> Health:
    r = _component_http(c, "/health", trust, timeout)
    state = ""
    try:
        state = r.json().get("state", "")
    except ValueError:
        pass
    return Health(r.status_code == 200, f"/health {r.status_code} {state}".strip())


def check_postgresql(c: Component, trust: Trust, timeout: float) -> Health:
    """PostgreSQL's own answer to an SSLRequest: 'S' (TLS offered) or 'N' proves the server speaks."""
    with socket.create_connection((c.address, c.port), timeout=timeout) as sock:
        sock.sendall((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
        answer = sock.recv(1)
    if answer in (b"S", b"N"):
        return Health(True, "accepts connections" + (" (TLS)" if answer == b"S" else ""))
    return Health(False, f"unexpected answer {answer!r}")


def check_redis(c: Component, trust: Trust, timeout: float) -> Health:
    """PING; without credentials Redis answers NOAUTH, which still proves it is up and speaking."""
    with socket.create_connection((c.address, c.port), timeout=timeout) as raw:
        if c.tls:
            with trust.context().wrap_socket(raw, server_hostname=c.address) as tls:
                tls.sendall(b"PING\r\n")
                answer = tls.recv(128)
        else:
            raw.sendall(b"PING\r\n")
            answer = raw.recv(128)
    text = answer.decode(errors="replace").strip()
    ok = text.startswith("+PONG") or text.startswith("-NOAUTH")
    return Health(ok, f"PING ({'TLS' if c.tls else 'plain'}): {text[:40]}")


def check_api(c: Component, trust: Trust, timeout: float) -> Health:
    r = _component_http(c, "/readyz", trust, timeout)
    return Health(r.status_code == 200, f"/readyz {r.status_code}")


def check_nginx(c: Component, trust: Trust, timeout: float) -> Health:
    r = _http(f"https://{c.address}/readyz", trust, timeout)
    redirect = _http(f"http://{c.address}/", trust, timeout)
    to_https = redirect.status_code in (301, 302, 307, 308) and redirect.headers.get("location", "").startswith("https://")
    ok = r.status_code == 200 and to_https
    return Health(ok, f"https /readyz {r.status_code}, http -> {'https' if to_https else redirect.status_code}")


def check_ready(c: Component, trust: Trust, timeout: float) -> Health:
    """Prometheus' and Alertmanager's own readiness."""
    r = _component_http(c, "/-/ready", trust, timeout)
    return Health(r.status_code == 200, f"/-/ready {r.status_code}")


def check_exporter(c: Component, trust: Trust, timeout: float) -> Health:
    r = _component_http(c, "/metrics", trust, timeout)
    return Health(r.status_code == 200, f"/metrics {r.status_code}")


def check_postgres_exporter(c: Component, trust: Trust, timeout: float) -> Health:
    """Up, and logged in to its PostgreSQL (as the monitoring role): `pg_up 1`.

    The exporter keeps one connection: after PostgreSQL restarted, the first scrape finds it closed
    (pg_up 0) and the next one opens a new one, so a 0 is asked again once."""
    for _ in range(2):
        r = _component_http(c, "/metrics", trust, timeout)
        logged_in = "\npg_up 1" in r.text
        if r.status_code == 200 and logged_in:
            break
    return Health(r.status_code == 200 and logged_in, f"/metrics {r.status_code}, pg_up {1 if logged_in else 0}")


def check_pgbackrest(c: Component, trust: Trust, timeout: float) -> Health:
    """pgBackRest's TLS server: a handshake with qvctl's client certificate (it refuses any other)."""
    with socket.create_connection((c.address, c.port), timeout=timeout) as raw, \
            trust.context().wrap_socket(raw, server_hostname=c.address) as tls:
        return Health(True, f"TLS {tls.version()}, client certificate accepted")


CHECKS: dict[str, Callable[[Component, Trust, float], Health]] = {
    "emulator": check_emulator,
    "etcd": check_etcd,
    "patroni": check_patroni,
    "postgresql": check_postgresql,
    "redis": check_redis,
    "api": check_api,
    "nginx": check_nginx,
    "ready": check_ready,
    "exporter": check_exporter,
    "postgres_exporter": check_postgres_exporter,
    "pgbackrest": check_pgbackrest,
}


def check(component: Component, trust: Trust, timeout: float = 3.0) -> Health:
    try:
        return CHECKS[component.check](component, trust, timeout)
    except (OSError, httpx.HTTPError, ssl.SSLError, ValueError) as err:
        return Health(False, f"{type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''}".strip())


def wait_healthy(components: list[Component], trust: Trust, deadline_seconds: float,
                 note: Callable[[str], None] | None = None,
                 watchdog: Callable[[], str | None] | None = None) -> dict[Component, Health]:
    """Every component healthy, or QvError naming the ones that are not, with their own answers.

    `watchdog` (a supervisor.CrashWatch) ends the wait at once when a program has crashed.
    """
    deadline = time.monotonic() + deadline_seconds
    results: dict[Component, Health] = {}
    pending = list(components)
    while True:
        reason = watchdog() if watchdog is not None else None
        if reason:
            raise QvError(reason)
        still: list[Component] = []
        for component in pending:
            health = check(component, trust)
            results[component] = health
            if not health.healthy:
                still.append(component)
        pending = still
        if not pending:
            return results
        if note is not None:
            note("waiting for " + ", ".join(f"{c.name}@{c.host}" for c in pending))
        if time.monotonic() >= deadline:
            raise QvError("unhealthy after {:.0f}s: {}".format(
                deadline_seconds, "; ".join(f"{c.name} on {c.host} ({c.address}:{c.port}): {results[c].detail}"
                                            for c in pending)))
        time.sleep(1.0)


def portfolio_round_trip(base_url: str, trust: Trust, token: str, timeout: float = 10.0) -> str:
    """Create, read back and delete a portfolio as the token's user, after checking that a request
    without a token is refused; return a one-line summary."""
    name = f"qvctl health gate {uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=base_url, verify=trust.context(), timeout=timeout) as client:
        anonymous = client.get("/api/v1/portfolios")
        if anonymous.status_code != 401:
            raise QvError(f"GET /api/v1/portfolios without a token answered {anonymous.status_code}, not 401: "
                          "the API does not authenticate its callers")
        client.headers["Authorization"] = f"Bearer {token}"
        created = client.post("/api/v1/portfolios", json={"name": name, "base_currency": "USD"})
        if created.status_code != 201:
            raise QvError(f"POST /api/v1/portfolios answered {created.status_code}: {created.text[:200]}")
        portfolio_id = created.json().get("id")
        if not portfolio_id:
            raise QvError(f"POST /api/v1/portfolios returned no id: {created.text[:200]}")
        read = client.get(f"/api/v1/portfolios/{portfolio_id}")
        if read.status_code != 200 or read.json().get("name") != name:
            raise QvError(f"GET /api/v1/portfolios/{portfolio_id} answered {read.status_code}: {read.text[:200]}")
        deleted = client.delete(f"/api/v1/portfolios/{portfolio_id}")
        if deleted.status_code != 204:
            raise QvError(f"DELETE /api/v1/portfolios/{portfolio_id} answered {deleted.status_code}: "
                          f"{deleted.text[:200]}")
        gone = client.get(f"/api/v1/portfolios/{portfolio_id}")
        if gone.status_code != 404:
            raise QvError(f"portfolio {portfolio_id} still readable after DELETE ({gone.status_code})")
    return f"portfolio {portfolio_id} created, read, deleted through {base_url}"
