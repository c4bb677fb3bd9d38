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


@dataclass(frozen=True)
class Health:
    healthy: bool
    detail: str


def _ssl_context(ca: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca) if ca and ca.exists() else None)
    return context


def _http(url: str, ca: Path | None, timeout: float) -> httpx.Response:
    with httpx.Client(verify=_ssl_context(ca), timeout=timeout, follow_redirects=False) as client:
        return client.get(url)


def _component_http(c: Component, path: str, ca: Path | None, timeout: float) -> httpx.Response:
    scheme = "https" if c.tls else "http"
    return _http(f"{scheme}://{c.address}:{c.port}{path}", ca, timeout)


def check_emulator(c: Component, ca: Path | None, timeout: float) -> Health:
    try:
        emulator.client(c.address, c.port, "us-east-1", "sts").get_caller_identity()
    except Exception as err:  # botocore has many error types
        return Health(False, str(err).splitlines()[0][:120])
    return Health(True, "STS answers")


def check_etcd(c: Component, ca: Path | None, timeout: float) -> Health:
    r = _component_http(c, "/health", ca, timeout)
    ok = r.status_code == 200 and str(r.json().get("health")) == "true"
    return Health(ok, f"/health {r.status_code} {r.text.strip()[:60]}")


def check_patroni(c: Component, ca: Path | None, timeout: float) -> Health:
    r = _component_http(c, "/health", ca, timeout)
    state = ""
    try:
        state = r.json().get("state", "")
    except ValueError:
        pass
    return Health(r.status_code == 200, f"/health {r.status_code} {state}".strip())


def check_postgresql(c: Component, ca: Path | None, timeout: float) -> Health:
    """PostgreSQL's own answer to an SSLRequest: 'S' (TLS offered) or 'N' proves the server speaks."""
    with socket.create_connection((c.address, c.port), timeout=timeout) as sock:
        sock.sendall((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
        answer = sock.recv(1)
    if answer in (b"S", b"N"):
        return Health(True, "accepts connections" + (" (TLS)" if answer == b"S" else ""))
    return Health(False, f"unexpected answer {answer!r}")


def check_redis(c: Component, ca: Path | None, timeout: float) -> Health:
    """PING; without credentials Redis answers NOAUTH, which still proves it is up and speaking."""
    with socket.create_connection((c.address, c.port), timeout=timeout) as raw:
        if c.tls:
            with _ssl_context(ca).wrap_socket(raw, server_hostname=c.address) as tls:
                tls.sendall(b"PING\r\n")
                answer = tls.recv(128)
        else:
            raw.sendall(b"PING\r\n")
            answer = raw.recv(128)
    text = answer.decode(errors="replace").strip()
    ok = text.startswith("+PONG") or text.startswith("-NOAUTH")
    return Health(ok, f"PING ({'TLS' if c.tls else 'plain'}): {text[:40]}")


def check_api(c: Component, ca: Path | None, timeout: float) -> Health:
    r = _component_http(c, "/readyz", ca, timeout)
    return Health(r.status_code == 200, f"/readyz {r.status_code}")


def check_nginx(c: Component, ca: Path | None, timeout: float) -> Health:
    r = _http(f"https://{c.address}/readyz", ca, timeout)
    redirect = _http(f"http://{c.address}/", ca, timeout)
    to_https = redirect.status_code in (301, 302, 307, 308) and redirect.headers.get("location", "").startswith("https://")
    ok = r.status_code == 200 and to_https
    return Health(ok, f"https /readyz {r.status_code}, http -> {'https' if to_https else redirect.status_code}")


def check_prometheus(c: Component, ca: Path | None, timeout: float) -> Health:
    r = _component_http(c, "/-/ready", ca, timeout)
    return Health(r.status_code == 200, f"/-/ready {r.status_code}")


CHECKS: dict[str, Callable[[Component, Path | None, float], Health]] = {
    "emulator": check_emulator,
    "etcd": check_etcd,
    "patroni": check_patroni,
    "postgresql": check_postgresql,
    "redis": check_redis,
    "api": check_api,
    "nginx": check_nginx,
    "prometheus": check_prometheus,
}


def check(component: Component, ca: Path | None, timeout: float = 3.0) -> Health:
    try:
        return CHECKS[component.check](component, ca, timeout)
    except (OSError, httpx.HTTPError, ssl.SSLError, ValueError) as err:
        return Health(False, f"{type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''}".strip())


def wait_healthy(components: list[Component], ca: Path | None, deadline_seconds: float,
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
            health = check(component, ca)
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


def portfolio_round_trip(base_url: str, ca: Path, timeout: float = 10.0) -> str:
    """Create, read back and delete a portfolio through nginx; return a one-line summary."""
    name = f"qvctl health gate {uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=base_url, verify=_ssl_context(ca), timeout=timeout) as client:
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
