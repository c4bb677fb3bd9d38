"""Pure ASGI middleware: request id, access log line and HTTP metrics for every request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quantumvest_api import metrics
from quantumvest_api.logging_setup import request_id_var

log = logging.getLogger("quantumvest_api.access")
REQUEST_ID_HEADER = b"x-request-id"
# Honour a caller's id only if it is short and harmless in logs and headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Answers are per caller and never a page to render: no cache may keep them, no browser may run,
# frame or sniff them, and no referrer leaks their URL (ids) elsewhere.
SECURITY_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)
CONTENT_SECURITY_POLICY = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# FastAPI's interactive docs load their script and style: the strict policy would blank them.
_DOCS_PATHS = ("/docs", "/redoc")


def _incoming_request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_code = 500  # what the client gets if the app fails before starting a response

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                headers.extend(SECURITY_HEADERS)
                if not scope["path"].startswith(_DOCS_PATHS):
                    headers.append(CONTENT_SECURITY_POLICY)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            log.exception("unhandled error", extra={"path": scope["path"]})
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            # Label by route template, never by raw path: ids in paths would explode the series count.
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(method, template, str(status_code)).inc()
            metrics.HTTP_LATENCY.labels(method, template).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": template,
                    "status": status_code,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id_var.reset(token)
