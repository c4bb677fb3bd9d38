"""Redis is an optimisation: stopped or hung, the API still answers and says so in its metrics."""

import time

import pytest

from api_test_helpers import metric, new_portfolio

pytestmark = pytest.mark.slow


def wait_for_cache(client, portfolio_id: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while metric(client, "qv_cache_available") != 1:
        assert time.monotonic() < deadline, "cache never came back after Redis restarted"
        client.get(f"/api/v1/portfolios/{portfolio_id}")
        time.sleep(0.1)


def test_api_answers_while_redis_is_stopped_and_uses_it_again_after(client, servers) -> None:
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}"
    assert client.get(url).status_code == 200  # miss, fills the cache
    assert metric(client, "qv_cache_available") == 1
    errors = metric(client, "qv_cache_errors_total", operation="get")

    servers.redis.stop()
    try:
        started = time.monotonic()
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200
            assert response.json()["id"] == portfolio_id
        assert time.monotonic() - started < 2.0  # no stall per request
        assert metric(client, "qv_cache_available") == 0
        assert metric(client, "qv_cache_errors_total", operation="get") >= errors + 1
        assert client.get("/readyz").status_code == 200  # not ready-critical
        assert client.get("/readyz?verbose=1").json()["checks"]["cache"].startswith("unavailable")
        # Writes work too, and a transaction lands exactly once.
        response = client.post(
            f"{url}/transactions",
            json={"symbol": "AAA", "side": "buy", "quantity": 1, "price": 1, "executed_at": "2026-01-01T00:00:00Z"},
            headers={"Idempotency-Key": "during-outage"},
        )
        assert response.status_code == 201
    finally:
        servers.redis.start()

    wait_for_cache(client, portfolio_id)
    hits = metric(client, "qv_cache_hits_total", kind="portfolio")
    client.get(url)  # the restarted (empty) Redis gets filled again
    client.get(url)
    assert metric(client, "qv_cache_hits_total", kind="portfolio") >= hits + 1


def test_a_hung_redis_costs_at_most_the_socket_timeout(client, servers, settings) -> None:
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}"
    wait_for_cache(client, portfolio_id)
    servers.redis.pause()  # port open, nobody answering: only the timeout saves us
    try:
        started = time.monotonic()
        assert client.get(url).status_code == 200
        first = time.monotonic() - started
        started = time.monotonic()
        assert client.get(url).status_code == 200
        second = time.monotonic() - started
    finally:
        servers.redis.resume()
    # One timed-out GET (and at most one SET) per request, then the backoff skips Redis entirely.
    assert first < 2 * settings.redis_socket_timeout_seconds + 0.5
    assert second < 0.2
    assert metric(client, "qv_cache_available") == 0
    wait_for_cache(client, portfolio_id)
