"""The API: traffic, errors and latency by route (the API's own counter and histogram), its
instances' database pools and cache, and nginx in front of it."""

from __future__ import annotations

from typing import Any

from qvctl.monitoring.dashboards.expressions import RATE_INTERVAL, per_second, ratio, selector, zero_filled
from qvctl.monitoring.dashboards.panels import Query, Row, chart, dashboard, stat

UID = "qv-api"
API = 'job="api"'


def requests(*matchers: str) -> str:
    return selector("qv_http_requests_total", API, *matchers)


def error_ratio(window: str) -> str:
    return ratio(per_second(requests('status=~"5.."'), window=window), per_second(requests(), window=window))


def quantile(q: float, by: str, window: str = RATE_INTERVAL) -> str:
    buckets = selector("qv_http_request_duration_seconds_bucket", API)
    return f"histogram_quantile({q}, {per_second(buckets, by, window)})"


def _overview() -> Row:
    return Row("Overview", [
        stat("Requests per second", Query(per_second(requests(), window="5m")), "reqps",
             "Every request the API instances answered, over the last 5 minutes."),
        stat("Server errors (5xx)", Query(error_ratio("5m")), "percentunit",
             "Share of requests answered 5xx over the last 5 minutes."),
        stat("p99 latency", Query(quantile(0.99, "le", "5m")), "s",
             "99th percentile of request duration over the last 5 minutes, every route."),
        stat("Instances up", Query(f"sum(up{{{API}}})"), "none", "API instances Prometheus scrapes successfully."),
        stat("Instances with cache", Query(f"sum(qv_cache_available{{{API}}})"), "none",
             "API instances whose last Redis call succeeded (without it they serve from the database, slower)."),
    ])


def _traffic() -> Row:
    return Row("Traffic", [
        chart("Requests per second by route", [Query(per_second(requests(), "route"), "{{route}}")], "reqps",
              "By route template (ids in paths are not labels)."),
        chart("Requests per second by status", [Query(per_second(requests(), "status"), "{{status}}")], "reqps",
              "Every response status the API sent."),
    ])


def _errors() -> Row:
    return Row("Errors", [
        chart("Server errors (5xx) per second by route",
              [Query(zero_filled(requests('status=~"5.."'), requests(), "route"), "{{route}}")], "reqps",
              "What the availability SLO counts against the API."),
        chart("Client errors (4xx) per second by route",
              [Query(zero_filled(requests('status=~"4.."'), requests(), "route"), "{{route}}")], "reqps",
              "Rejected requests: authentication, validation, unknown ids."),
        chart("Server error ratio (5xx)", [Query(error_ratio(RATE_INTERVAL), "5xx / all")], "percentunit",
              "Share of all requests answered 5xx."),
    ])


def _latency() -> Row:
    return Row("Latency", [
        chart("p99 latency by route", [Query(quantile(0.99, "route, le"), "{{route}}")], "s",
              "99th percentile of request duration, by route template."),
        chart("p50 latency by route", [Query(quantile(0.5, "route, le"), "{{route}}")], "s",
              "Median request duration, by route template."),
        chart("Latency quantiles, every route",
              [Query(quantile(q, "le"), f"p{round(q * 100)}") for q in (0.5, 0.9, 0.99)], "s",
              "Median, 90th and 99th percentile over all routes."),
    ])


def _instances() -> Row:
    return Row("Instances", [
        chart("Requests per second by instance",
              [Query(per_second(requests(), "instance_host"), "{{instance_host}}")], "reqps",
              "How nginx spreads the load over the instances."),
        chart("Database pool", [
            Query(f"sum by (instance_host) (qv_db_pool_checked_out{{{API}}})", "{{instance_host}} in use"),
            Query(f"sum by (instance_host) (qv_db_pool_size{{{API}}})", "{{instance_host}} size"),
        ], "none", "Connections in use against the configured pool size, per instance."),
        chart("Instances up and cache available", [
            Query(f"up{{{API}}}", "{{instance_host}} up"),
            Query(f"qv_cache_available{{{API}}}", "{{instance_host}} cache"),
        ], "none", "1 when the instance answers its scrape / when its last Redis call succeeded."),
    ])


def _edge() -> Row:
    states = ("active", "reading", "writing", "waiting")
    return Row("Edge (nginx)", [
        chart("nginx requests per second",
              [Query(per_second("nginx_http_requests_total", "instance_host"), "{{instance_host}}")], "reqps",
              "Every request through the TLS edge, to the API or not."),
        chart("nginx connections",
              [Query(f"sum by (instance_host) (nginx_connections_{state})", f"{{{{instance_host}}}} {state}")
               for state in states], "none", "Client connections by state."),
    ])


def build() -> Any:
    return dashboard(UID, "QuantumVest / API",
                     "Traffic, errors and latency of the API by route, and the edge in front of it.",
                     [_overview(), _traffic(), _errors(), _latency(), _instances(), _edge()])
