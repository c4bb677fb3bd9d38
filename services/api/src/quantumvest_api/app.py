"""Application factory: wires settings, database, cache, middleware and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import sessionmaker

from quantumvest_api import __version__
from quantumvest_api.auth.verify import Verifier
from quantumvest_api.cache import Cache
from quantumvest_api.db import make_engine, migration_history
from quantumvest_api.logging_setup import configure_logging
from quantumvest_api.middleware import RequestContextMiddleware
from quantumvest_api.routes import holdings, operations, portfolios, prices, risk, transactions
from quantumvest_api.settings import Settings

log = logging.getLogger(__name__)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(part) for part in error["loc"]), "message": error["msg"]} for error in exc.errors()
    ]
    summary = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return JSONResponse({"detail": f"invalid request: {summary}", "errors": errors}, status_code=422)


def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    # Connection refused, failover in progress, pool exhausted: the client may retry; not a bug (500).
    log.warning("database unavailable", extra={"error": str(exc).splitlines()[0][:300]})
    return JSONResponse({"detail": "database unavailable, retry later"}, status_code=503, headers={"Retry-After": "1"})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # fields come from the environment
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("starting", extra={"version": __version__, "environment": settings.environment})
        yield
        log.info("stopping: closing database pool and cache")
        app.state.cache.close()
        app.state.engine.dispose()

    app = FastAPI(title="QuantumVest API", version=__version__, lifespan=lifespan)
    engine = make_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.cache = Cache.from_settings(settings)
    app.state.verifier = Verifier(settings)
    app.state.migrations = migration_history()
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(SATimeoutError, _database_unavailable)
    app.add_middleware(RequestContextMiddleware)
    for module in (operations, portfolios, holdings, transactions, prices, risk):
        app.include_router(module.router)
    return app
