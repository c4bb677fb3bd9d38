"""One real PostgreSQL 15 and one Redis 7 per test session, on 127.0.20.1; tables emptied between tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import redis
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api_test_helpers import HOST, PG_PORT, REDIS_PORT, port_offset, settings_from
from quantumvest_api.app import create_app
from quantumvest_api.db import alembic_config, make_engine
from quantumvest_api.settings import Settings
from quantumvest_api.testing.servers import PortBusy, ServerError, Servers

# EX_TEMPFAIL: the machine, not the code under test, failed. A mutation run (bench/mutation.py) must not
# count a mutant as killed because the servers did not start, and mutmut counts any exit code but 1 and 3 apart.
SERVERS_DID_NOT_START = 75
# Two runs at once (a mutation run's children, a developer's run beside another) take the first pair of
# ports no other run holds; the last pair is waited for.
SPARE_PORT_PAIRS, SPARE_PORT_STRIDE = 3, 50


def _start_on_a_free_pair(offset: int) -> Servers:
    shifts = [offset + pair * SPARE_PORT_STRIDE for pair in range(SPARE_PORT_PAIRS)]
    for shift in shifts[:-1]:
        with contextlib.suppress(PortBusy):
            return Servers(HOST, PG_PORT + shift, REDIS_PORT + shift, wait=0).start()
    return Servers(HOST, PG_PORT + shifts[-1], REDIS_PORT + shifts[-1]).start()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    offset = port_offset()
    try:
        started = _start_on_a_free_pair(offset)
    except ServerError as exc:
        pytest.exit(f"the test servers did not start: {exc}", returncode=SERVERS_DID_NOT_START)
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
def session_client(app: FastAPI, servers: Servers) -> Iterator[TestClient]:
    """Signed in as `alice`, with every scope (tests of refusals pass their own headers)."""
    with TestClient(app, headers={"Authorization": f"Bearer {servers.token('alice')}"}) as client:
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
