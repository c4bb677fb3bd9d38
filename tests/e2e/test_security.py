"""Attacks on the live local platform, each refused, each beside the legitimate way that works.

Every refusal is paired with its control (the same connection done right gets further), so a
test fails for the reason its name gives and not because the service was simply down.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid

import httpx
import psycopg
import pytest

from .conftest import EDGE, SPEC, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DB = (SPEC.hosts["database"].addresses or [""])[0]
CACHE = (SPEC.hosts["cache"].addresses or [""])[0]
APP = (SPEC.hosts["app"].addresses or [""])[0]


def _postgres(platform: Platform, sslmode: str) -> str:
    """The server's answer to a login with a wrong password: how far the connection got."""
    try:
        psycopg.connect(host=DB, port=SPEC.ports.postgresql, dbname=SPEC.database.name, user="quantumvest_app",
                        password=uuid.uuid4().hex, sslmode=sslmode, sslrootcert=str(platform.ca), connect_timeout=5)
    except psycopg.OperationalError as err:
        return str(err)
    raise AssertionError("a wrong password logged in")


def test_postgresql_refuses_a_connection_without_tls(platform: Platform) -> None:
    assert "no encryption" in _postgres(platform, "disable")
    # Control: with TLS the same login reaches password authentication (and fails there).
    assert "password authentication failed" in _postgres(platform, "verify-full")


def _redis(platform: Platform, tls: bool) -> bytes:
    with socket.create_connection((CACHE, SPEC.ports.redis), timeout=5) as raw:
        if not tls:
            raw.sendall(b"PING\r\n")
            try:
                return raw.recv(128)
            except ConnectionResetError:
                return b"<reset>"
        with platform.trust().wrap_socket(raw, server_hostname=CACHE) as wrapped:
            wrapped.sendall(b"PING\r\n")
            return wrapped.recv(128)


def test_redis_refuses_plain_text_and_a_client_without_password(platform: Platform) -> None:
    assert b"PONG" not in _redis(platform, tls=False)
    assert _redis(platform, tls=True).startswith(b"-NOAUTH")


def test_etcd_refuses_http_and_a_client_without_certificate(platform: Platform) -> None:
    url = f"{DB}:{SPEC.ports.etcd_client}/health"
    with pytest.raises(httpx.RemoteProtocolError):  # etcd 3.4 hangs up on plain HTTP
        httpx.get(f"http://{url}", timeout=5)
    with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
        # TLS 1.3: the server's refusal of a missing certificate arrives with the first read.
        httpx.get(f"https://{url}", verify=platform.trust(), timeout=5)
    assert httpx.get(f"https://{url}", verify=platform.trust_as_qvctl(), timeout=5).json()["health"] == "true"


def test_patroni_refuses_a_switchover_without_certificate_or_credentials(platform: Platform) -> None:
    base = f"https://{DB}:{SPEC.ports.patroni}"
    no_certificate = httpx.post(f"{base}/switchover", json={"leader": "db1"}, verify=platform.trust(), timeout=5)
    assert (no_certificate.status_code, no_certificate.text.strip()) == (403, "client certificate required")
    no_credentials = httpx.post(f"{base}/switchover", json={"leader": "db1"}, verify=platform.trust_as_qvctl(),
                                timeout=5)
    assert no_credentials.status_code == 401
    assert httpx.get(f"{base}/health", verify=platform.trust(), timeout=5).status_code == 200  # reads stay open


def test_an_api_instance_speaks_only_https(platform: Platform) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://{APP}:{SPEC.application.port}/readyz", timeout=5)
    direct = httpx.get(f"https://{APP}:{SPEC.application.port}/readyz?verbose=1", verify=platform.trust(), timeout=5)
    assert direct.status_code == 200 and "checks" in direct.json()  # control: direct callers see the checks


@pytest.mark.parametrize(("group", "port"), [("observability", "node_exporter"), ("database", "postgres_exporter"),
                                           ("cache", "redis_exporter"), ("observability", "blackbox_exporter"),
                                           ("observability", "prometheus"), ("observability", "alertmanager")])
def test_monitoring_answers_only_a_client_certificate_of_the_environment(
        platform: Platform, group: str, port: str) -> None:
    address = f"{(SPEC.hosts[group].addresses or [''])[0]}:{getattr(SPEC.ports, port)}"
    with pytest.raises(httpx.HTTPError):  # plain HTTP: a 400 from the TLS server, or a hang-up
        httpx.get(f"http://{address}/metrics", timeout=5).raise_for_status()
    with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.get(f"https://{address}/metrics", verify=platform.trust(), timeout=5)
    assert httpx.get(f"https://{address}/metrics", verify=platform.trust_as_qvctl(), timeout=5).status_code == 200


def test_the_nginx_exporter_speaks_only_https(platform: Platform) -> None:
    address = f"{EDGE}:{SPEC.ports.nginx_exporter}"
    with pytest.raises(httpx.HTTPError):  # plain HTTP: the TLS server answers 400
        httpx.get(f"http://{address}/metrics", timeout=5).raise_for_status()
    answer = httpx.get(f"https://{address}/metrics", verify=platform.trust(), timeout=5)
    assert answer.status_code == 200 and "\nnginx_up 1" in answer.text


def test_nginx_port_80_redirects_to_https() -> None:
    answer = httpx.get(f"http://{EDGE}/api/v1/portfolios", timeout=5)
    assert answer.status_code == 301
    assert answer.headers["location"] == f"https://{EDGE}/api/v1/portfolios"


def test_the_edge_exposes_only_the_api_and_a_bare_readiness(platform: Platform) -> None:
    with httpx.Client(base_url=f"https://{EDGE}", verify=platform.trust(), timeout=5) as anonymous:
        for path in ("/metrics", "/docs", "/openapi.json", "/redoc", "/version", "/livez"):
            assert anonymous.get(path).status_code == 404, path
        assert anonymous.get("/readyz?verbose=1").json() == {"status": "ready"}
        refused = anonymous.get("/api/v1/portfolios")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        forged = anonymous.get("/api/v1/portfolios", headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401
    with platform.client() as client:
        answer = client.get("/api/v1/portfolios")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert answer.headers["referrer-policy"] == "no-referrer"


def test_another_users_portfolio_is_not_found_through_the_edge(platform: Platform) -> None:
    with platform.client(user="owner") as owner, platform.client(user="intruder") as intruder:
        created = owner.post("/api/v1/portfolios", json={"name": "private", "base_currency": "USD"})
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        try:
            assert intruder.get(f"/api/v1/portfolios/{pid}").status_code == 404
            assert intruder.delete(f"/api/v1/portfolios/{pid}").status_code == 404
            assert pid not in intruder.get("/api/v1/portfolios").text
            assert owner.get(f"/api/v1/portfolios/{pid}").status_code == 200
        finally:
            owner.delete(f"/api/v1/portfolios/{pid}")


def test_a_client_above_the_rate_limit_gets_429(platform: Platform) -> None:
    """Four times the burst, as fast as 8 connections go: beyond rate x time + burst, nginx answers
    429 (any client faster than rate x 4/3 is limited)."""
    limit = SPEC.application.rate_limit
    statuses: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        with httpx.Client(base_url=f"https://{EDGE}", verify=platform.trust(), timeout=10) as client:
            for _ in range(limit.burst // 2):
                status = client.get("/api/v1/portfolios").status_code  # 401 from the API, cheap
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(statuses) <= {401, 429}, sorted(set(statuses))
    assert statuses.count(429) > 0, f"{len(statuses)} requests, none limited"
    # The bucket drains at the rate: requests pass again within seconds.
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=f"https://{EDGE}", verify=platform.trust(), timeout=5) as client:
        while client.get("/readyz").status_code == 429:
            assert time.monotonic() < deadline, "still limited 30 s after the burst"
            time.sleep(0.5)
    # One passing request means the excess is just below the burst; the tests after this one may
    # send a few in a row, so wait out what nginx's rule says a full burst takes to drain.
    time.sleep(limit.burst / limit.requests_per_second)
