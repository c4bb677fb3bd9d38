import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from psycopg import sql

from api_test_helpers import metric, new_portfolio, settings_from
from quantumvest_api import __version__
from quantumvest_api.app import create_app
from quantumvest_api.db import alembic_config
from quantumvest_api.testing.servers import APP_USER

pytestmark = pytest.mark.slow
API_DIR = Path(__file__).resolve().parents[1]


def test_livez_and_version(client) -> None:
    assert client.get("/livez").json() == {"status": "ok"}
    version = client.get("/version").json()
    assert (version["name"], version["version"], version["environment"]) == ("quantumvest-api", __version__, "local")


def test_readyz_is_200_with_database_at_head(client) -> None:
    response = client.get("/readyz?verbose=1")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "cache": "ok"}


def test_readyz_is_503_while_the_database_is_stopped(client, servers) -> None:
    cached, uncached = new_portfolio(client, "cached"), new_portfolio(client, "uncached")
    client.get(f"/api/v1/portfolios/{cached}")
    servers.postgres.stop()
    try:
        response = client.get("/readyz?verbose=1")
        assert response.status_code == 503
        assert response.json()["checks"]["database"].startswith("unreachable")
        assert client.get("/livez").status_code == 200  # alive, just not ready
        # Reads the cache can answer still work; the others say "retry" (503), not "bug" (500).
        assert client.get(f"/api/v1/portfolios/{cached}").status_code == 200
        response = client.get(f"/api/v1/portfolios/{uncached}")
        assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
        assert response.json() == {"detail": "database unavailable, retry later"}
    finally:
        servers.postgres.start()
    assert client.get("/readyz").status_code == 200  # the pool recovers by itself


def test_readyz_is_503_until_migrations_reach_head(servers, api_environment) -> None:
    with servers.postgres.connect_superuser() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS qv_unmigrated"))
        connection.execute(sql.SQL("CREATE DATABASE qv_unmigrated OWNER {}").format(sql.Identifier(APP_USER)))
    app = create_app(settings_from(api_environment, db_name="qv_unmigrated"))
    with TestClient(app) as client:
        response = client.get("/readyz?verbose=1")
        assert response.status_code == 503
        assert response.json()["checks"]["migrations"] == "at none, head is ['0002']"
        # The developers' path: `alembic upgrade head` in services/api with the QV_* environment.
        upgrade = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=API_DIR, env=os.environ | api_environment | {"QV_DB_NAME": "qv_unmigrated"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert upgrade.returncode == 0, upgrade.stderr
        assert client.get("/readyz").status_code == 200
        command.downgrade(alembic_config(app.state.engine), "base")  # downgrades work too
        assert client.get("/readyz").status_code == 503


def test_a_schema_ahead_of_this_version_is_ready_and_migrate_leaves_it_alone(servers, api_environment) -> None:
    """During a rollout the stable version runs on the schema a newer release migrated (a
    revision this version does not know): it stays ready, and its `migrate` does not fail on it."""
    with servers.postgres.connect_superuser() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS qv_ahead"))
        connection.execute(sql.SQL("CREATE DATABASE qv_ahead OWNER {}").format(sql.Identifier(APP_USER)))
    app = create_app(settings_from(api_environment, db_name="qv_ahead"))
    with TestClient(app) as client:
        command.upgrade(alembic_config(app.state.engine), "head")
        with app.state.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d0002'")
        response = client.get("/readyz?verbose=1")
        assert response.status_code == 200, response.json()
        assert response.json()["checks"]["migrations"] == "ok: at ['f00d0002'], ahead of this version's head"
        migrate = subprocess.run(
            [sys.executable, "-m", "quantumvest_api.cli", "migrate"],
            env=os.environ | api_environment | {"QV_DB_NAME": "qv_ahead"}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr
        assert "ahead of this version's migrations" in migrate.stdout + migrate.stderr
        with app.state.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "f00d0002"


def test_request_id_is_honoured_or_generated(client) -> None:
    assert client.get("/livez", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/livez").headers["X-Request-ID"]
    assert len(generated) == 32
    # Anything that could break a log line or a header is replaced, not echoed.
    assert client.get("/livez", headers={"X-Request-ID": "a b"}).headers["X-Request-ID"] != "a b"


def test_metrics_count_requests_by_route_template_and_status(client) -> None:
    portfolio_id = new_portfolio(client)
    route = "/api/v1/portfolios/{portfolio_id}"
    before = metric(client, "qv_http_requests_total", method="GET", route=route, status="200")
    client.get(f"/api/v1/portfolios/{portfolio_id}")
    client.get(f"/api/v1/portfolios/{portfolio_id}")
    assert metric(client, "qv_http_requests_total", method="GET", route=route, status="200") == before + 2
    text = client.get("/metrics").text
    assert portfolio_id not in text  # never a raw id in a label
    assert (
        'qv_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/portfolios/{portfolio_id}"}'
        in text
    )
    client.get("/no/such/path")
    assert metric(client, "qv_http_requests_total", route="unmatched", status="404") >= 1


def test_metrics_expose_cache_and_pool_gauges(client, settings) -> None:
    assert metric(client, "qv_db_pool_size") == settings.db_pool_size
    assert metric(client, "qv_cache_available") == 1
    portfolio_id = new_portfolio(client)
    misses = metric(client, "qv_cache_misses_total", kind="portfolio")
    hits = metric(client, "qv_cache_hits_total", kind="portfolio")
    client.get(f"/api/v1/portfolios/{portfolio_id}")
    client.get(f"/api/v1/portfolios/{portfolio_id}")
    assert metric(client, "qv_cache_misses_total", kind="portfolio") == misses + 1
    assert metric(client, "qv_cache_hits_total", kind="portfolio") == hits + 1
