"""Prometheus metrics. Module-level: one registry per process (scrape each worker or run one per pod)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

from quantumvest_api import __version__

HTTP_REQUESTS = Counter(
    "qv_http_requests_total", "HTTP requests by method, route template and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "qv_http_request_duration_seconds",
    "HTTP request latency by method and route template",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
AUTH_FAILURES = Counter(
    "qv_auth_failures_total", "Requests refused for a missing, invalid or insufficient token", ["reason"]
)
CACHE_HITS = Counter("qv_cache_hits_total", "Cache lookups answered by Redis", ["kind"])
CACHE_MISSES = Counter("qv_cache_misses_total", "Cache lookups that went to the database", ["kind"])
CACHE_ERRORS = Counter(
    "qv_cache_errors_total", "Redis calls that failed (the request went on without cache)", ["operation"]
)
CACHE_BYPASSED = Counter(
    "qv_cache_bypassed_total", "Cache calls skipped because Redis failed recently (backoff)", ["operation"]
)
CACHE_AVAILABLE = Gauge("qv_cache_available", "1 if the last Redis call succeeded, 0 if Redis is failing or disabled")
DB_POOL_SIZE = Gauge("qv_db_pool_size", "Configured database connections per worker")
DB_POOL_CHECKED_OUT = Gauge("qv_db_pool_checked_out", "Database connections in use")
DB_POOL_CHECKED_IN = Gauge("qv_db_pool_checked_in", "Idle database connections in the pool")
DB_POOL_OVERFLOW = Gauge("qv_db_pool_overflow", "Connections opened beyond the pool size")
BUILD_INFO = Info("qv_build", "Version of the running API")
BUILD_INFO.info({"version": __version__})
