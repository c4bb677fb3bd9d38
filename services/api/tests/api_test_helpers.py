"""Helpers shared by the API tests (a module name of its own: `conftest` is ambiguous in a big run)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from quantumvest_api.settings import Settings

HOST = "127.0.20.1"
PG_PORT, REDIS_PORT = 55432, 56379


def port_offset() -> int:
    # Under pytest-xdist each worker gets its own pair of ports on the same address.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else 0


def settings_from(environment: dict[str, str], **overrides: object) -> Settings:
    values: dict[str, object] = {key.removeprefix("QV_").lower(): value for key, value in environment.items()}
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def metric(client: TestClient, name: str, **labels: str) -> float:
    """Current value of one sample from /metrics (0 if the series does not exist yet)."""
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def new_portfolio(client: TestClient, name: str = "Growth") -> str:
    response = client.post("/api/v1/portfolios", json={"name": name, "base_currency": "USD"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def wait_until(what: str, condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll `condition` until it holds; fail naming `what` after a deadline generous enough for a loaded
    machine. Tests wait for states, never for fixed times: durations are measured in bench/, not asserted."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.05)
