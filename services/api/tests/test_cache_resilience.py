"""Redis is an optimisation: stopped or hung, the API still answers and says so in its metrics.

Each step waits for a state (an error counted, a call bypassed), never for a time: how long a request
takes during an outage is measured by bench/cache_outage.sh, not asserted on a shared test machine.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from api_test_helpers import metric, new_portfolio, wait_until

pytestmark = pytest.mark.slow


def wait_for_cache(client, portfolio_id: str, timeout: float = 30.0) -> None:
    def available() -> bool:
        client.get(f"/api/v1/portfolios/{portfolio_id}")
        return metric(client, "qv_cache_available") == 1

    wait_until("the cache is used again after Redis came back", available, timeout)


def answered(client, url: str, seconds: float = 30.0):
    """GET `url` in a thread: a call that never ends (a hung socket without a timeout) fails here
    instead of hanging the run."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(client.get, url).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


def test_api_answers_while_redis_is_stopped_and_uses_it_again_after(client, servers) -> None:
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}"
    assert client.get(url).status_code == 200  # miss, fills the cache
    assert metric(client, "qv_cache_available") == 1
    errors = metric(client, "qv_cache_errors_total", operation="get")
    bypassed = metric(client, "qv_cache_bypassed_total", operation="get")

    servers.redis.stop()
    try:
        response = client.get(url)
        assert response.status_code == 200 and response.json()["id"] == portfolio_id
        assert metric(client, "qv_cache_errors_total", operation="get") == errors + 1
        assert metric(client, "qv_cache_available") == 0

        # No stall per request: after a failure the cache is skipped (backoff), so requests soon make no
        # Redis call at all, and every one of them is still answered.
        def bypassed_and_answered() -> bool:
            again = client.get(url)
            assert again.status_code == 200 and again.json()["id"] == portfolio_id
            return metric(client, "qv_cache_bypassed_total", operation="get") > bypassed

        wait_until("a request that skips the stopped Redis", bypassed_and_answered)
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


def test_a_hung_redis_ends_each_call_by_its_timeout_then_is_skipped(client, servers) -> None:
    portfolio_id = new_portfolio(client)
    url = f"/api/v1/portfolios/{portfolio_id}"
    wait_for_cache(client, portfolio_id)
    errors = metric(client, "qv_cache_errors_total", operation="get")
    bypassed = metric(client, "qv_cache_bypassed_total", operation="get")
    servers.redis.pause()  # port open, nobody answering: only the socket timeout ends a call
    try:
        # The GET to the hung Redis ends (counted as a failed call) and the database answers.
        assert answered(client, url).status_code == 200
        assert metric(client, "qv_cache_errors_total", operation="get") == errors + 1
        assert metric(client, "qv_cache_available") == 0
        # Then the backoff skips Redis entirely: a request that makes no Redis call comes soon.
        wait_until(
            "a request that skips the hung Redis",
            lambda: (
                answered(client, url).status_code == 200
                and metric(client, "qv_cache_bypassed_total", operation="get") > bypassed
            ),
        )
    finally:
        servers.redis.resume()
    wait_for_cache(client, portfolio_id)
