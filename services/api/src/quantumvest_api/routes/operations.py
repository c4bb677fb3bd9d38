"""Probes, version and metrics: the paths the platform (kubelet, Prometheus, nginx) relies on."""

from __future__ import annotations

import logging
import platform

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from quantumvest_api import __version__
from quantumvest_api.db import current_revisions, update_pool_metrics

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


@router.get("/livez")
def livez() -> dict[str, str]:
    """The process is alive and serving; says nothing about its dependencies."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, verbose: bool = False) -> JSONResponse:
    """Ready when the database answers and its schema is at this version's migration head, or ahead
    of it (a newer release's compatible migrations, during its rollout). Redis is optional.

    The checks (error classes, migration revisions) only with `?verbose`, as Kubernetes' own
    /readyz, and only to a direct caller (kubelet, Prometheus, qvctl): a request through a proxy
    (nginx, ingress-nginx, both always set X-Forwarded-For) learns ready or not and nothing else."""
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        current = current_revisions(state.engine)
    except SQLAlchemyError as exc:
        # A driver error (DBAPIError.orig) names the cause better than SQLAlchemy's wrapper.
        cause = (exc.orig if isinstance(exc, DBAPIError) else None) or exc
        checks["database"] = f"unreachable: {type(cause).__name__}"
        log.warning("readiness: database unreachable", extra={"error": str(cause).splitlines()[0]})
    else:
        checks["database"] = "ok"
        position = state.migrations.position(current)
        if position == "head":
            checks["migrations"] = "ok"
        elif position == "ahead":
            checks["migrations"] = f"ok: at {sorted(current)}, ahead of this version's head"
        else:
            checks["migrations"] = f"at {sorted(current) or 'none'}, head is {sorted(state.migrations.heads)}"
    checks["cache"] = "ok" if state.cache.enabled and state.cache.ping() else "unavailable (serving without cache)"
    ready = checks.get("database") == "ok" and checks.get("migrations", "").startswith("ok")
    body: dict[str, object] = {"status": "ready" if ready else "not ready"}
    if verbose and "x-forwarded-for" not in request.headers:
        body["checks"] = checks
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/version")
def version(request: Request) -> dict[str, str]:
    return {
        "name": "quantumvest-api",
        "version": __version__,
        "environment": request.app.state.settings.environment,
        "python": platform.python_version(),
    }


@router.get("/metrics")
def prometheus_metrics(request: Request) -> Response:
    update_pool_metrics(request.app.state.engine)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
