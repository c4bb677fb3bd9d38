"""One real PostgreSQL 15 and one Redis 7 per test session, on 127.0.20.1; tables emptied between tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from quantumvest_api.app import create_app
from quantumvest_api.db import alembic_config, make_engine
from quantumvest_api.settings import Settings
from quantumvest_api.testing.servers import Servers

HOST = "127.0.20.1"
PG_PORT, REDIS_PORT = 55432, 56379


def _port_offset() -> int:
    # Under pytest-xdist each worker gets its own pair of ports on the same address.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else 0


def settings_from(environment: dict[str, str], **overrides: object) -> Settings:
    values: dict[str, object] = {key.removeprefix("QV_").lower(): value for key, value in environment.items()}
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    offset = _port_offset()
    started = Servers(HOST, PG_PORT + offset, REDIS_PORT + offset).start()
    yield started
    started.destroy()


@pytest.fixture(scope="session")
def api_environment(servers: Servers) -> dict[str, str]:
    return servers.environment() | {"QV_LOG_LEVEL": "WARNING", "QV_CACHE_RETRY_SECONDS": "0.2"}


@pytest.fixture(scope="session")
def settings(api_environment: dict[str, str]) -> Settings:
    return settings_from(api_environment)


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> None:
    engine = make_engine(settings)
    command.upgrade(alembic_config(engine), "head")
    engine.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, migrated: None) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def session_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(session_client: TestClient, app: FastAPI, servers: Servers) -> TestClient:
    """A client on an empty database and an empty cache."""
    with app.state.engine.begin() as connection:
        connection.execute(text("TRUNCATE portfolios, holdings, transactions, price_history"))
    if servers.redis.process is not None:
        flush = redis.Redis(host=servers.redis.host, port=servers.redis.port, password=servers.redis.password)
        flush.flushdb()
        flush.close()
    return session_client


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
