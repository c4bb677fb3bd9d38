"""What a Redis outage costs an API request: a stopped Redis (connection refused) and a hung one
(SIGSTOP, only the socket timeout ends a call), next to the same read with Redis healthy.

The tests (services/api/tests/test_cache_resilience.py) check the states (errors counted, calls
bypassed); the durations are measured here, on a machine of known load, and printed, not asserted.

    .venv/bin/python bench/cache_outage.py [N]
"""

from __future__ import annotations

import os
import sys
import time

from alembic import command
from fastapi.testclient import TestClient
from quantumvest_api.app import create_app
from quantumvest_api.db import alembic_config, make_engine
from quantumvest_api.settings import Settings
from quantumvest_api.testing.servers import Servers

HOST = os.environ.get("BENCH_HOST", "127.0.21.1")  # its own address: never the tests' or the local platform's


def per_request_ms(client: TestClient, url: str, count: int) -> tuple[float, float]:
    """(first, mean of the rest) in milliseconds."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return times[0], sum(times[1:]) / max(1, len(times) - 1)


def main(count: int) -> None:
    servers = Servers(HOST, 55632, 56579).start()
    try:
        environment = servers.environment() | {"QV_LOG_LEVEL": "ERROR"}
        settings = Settings(**{k.removeprefix("QV_").lower(): v for k, v in environment.items()})  # type: ignore[arg-type]
        engine = make_engine(settings)
        command.upgrade(alembic_config(engine), "head")
        engine.dispose()
        headers = {"Authorization": f"Bearer {servers.token('bench')}"}
        with TestClient(create_app(settings), headers=headers) as client:
            created = client.post("/api/v1/portfolios", json={"name": "Bench", "base_currency": "USD"})
            url = f"/api/v1/portfolios/{created.json()['id']}"
            client.get(url)  # fills the cache
            rows = [("healthy", *per_request_ms(client, url, count))]
            servers.redis.pause()
            try:
                rows.append(("hung", *per_request_ms(client, url, count)))
            finally:
                servers.redis.resume()
            servers.redis.stop()
            try:
                rows.append(("stopped", *per_request_ms(client, url, count)))
            finally:
                servers.redis.start()
        timeout_ms = settings.redis_socket_timeout_seconds * 1000
        for state, first, rest in rows:
            print(
                f"cache {state}: first request {first:.1f} ms, then {rest:.1f} ms each "
                f"({count} GETs; socket timeout {timeout_ms:.0f} ms)"
            )
    finally:
        servers.destroy()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
