"""qvctl's one client of Prometheus' HTTP API: range and instant queries, a single value, the metric names.

Its readers: `qvctl dashboards snapshot` (range queries, one panel each) and the local release analysis
(single values). An address that does not answer, or answers without Prometheus' API envelope, is the
run's end (QvError, exit status UNREACHABLE, one line naming the address); a query Prometheus rejects
is a QueryError, which each reader handles in its own way: the snapshot shows it on its panel, the
release analysis stops.
"""

from __future__ import annotations

import math
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.components import local_hosts
from qvctl.spec import Environment

Point = tuple[float, float]  # (unix seconds, value); the value may be NaN or infinite


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: tuple[Point, ...]

    @property
    def has_data(self) -> bool:
        return any(math.isfinite(v) for _, v in self.points)


class QueryError(Exception):
    """Prometheus answered, and rejected the query (bad PromQL, too many points, a timeout)."""


class Prometheus:
    def __init__(self, address: str, timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.address = address.rstrip("/")
        self._client = httpx.Client(base_url=self.address, timeout=timeout, transport=transport, verify=verify)

    def __enter__(self) -> Prometheus:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def _get(self, path: str, params: dict[str, str]) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.TransportError as err:
            reason = str(err) or type(err).__name__
            raise QvError(f"Prometheus at {self.address} does not answer ({reason}); is the local platform up? "
                          "(qvctl status)", ExitStatus.UNREACHABLE) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "status" not in body:
            raise QvError(f"Prometheus at {self.address} answered {path} with HTTP {response.status_code} "
                          "and no API response", ExitStatus.UNREACHABLE)
        if body["status"] != "success":
            raise QueryError(f"{body.get('errorType', 'error')}: {body.get('error', 'no reason given')}")
        return body["data"]

    def query_range(self, expr: str, start: float, end: float, step: int) -> list[Series]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}",
                                                  "step": str(step)})
        return [Series(dict(r["metric"]), tuple((float(t), float(v)) for t, v in r["values"]))
                for r in data["result"]]

    def query(self, expr: str, time: float | None = None) -> list[Series]:
        """An instant query at `time` (unix seconds), or now when None."""
        data = self._get("/api/v1/query", {"query": expr} | ({"time": f"{time:.3f}"} if time is not None else {}))
        if data["resultType"] == "scalar":
            t, v = data["result"]
            return [Series({}, ((float(t), float(v)),))]
        return [Series(dict(r["metric"]), ((float(r["value"][0]), float(r["value"][1])),)) for r in data["result"]]

    def scalar(self, expr: str) -> float | None:
        """The first value of an instant query now; None while there is none (an empty result, NaN)."""
        series = self.query(expr)
        if not series:
            return None
        value = series[0].points[0][1]
        return None if math.isnan(value) else value

    def metric_names(self, since: float | None = None) -> set[str]:
        """Every metric name Prometheus holds series of (`/api/v1/label/__name__/values`), only those
        with samples after `since` if given (not what a target stopped exposing an hour ago)."""
        params = {"start": f"{since:.3f}"} if since is not None else {}
        return set(self._get("/api/v1/label/__name__/values", params))


def local_address(spec: Environment) -> str:
    """A local environment's Prometheus: its observability host's loopback address, `ports.prometheus`.

    The cloud's Prometheus sits in private subnets, read there by Grafana and Argo Rollouts' analysis,
    so a cloud environment is refused.
    """
    if spec.kind != "local":
        raise QvError(f"{spec.name} is a cloud environment: its Prometheus is read inside its network (Grafana, "
                      "the Rollout's analysis), not from here", ExitStatus.INVALID_INPUT)
    hosts = [h for h in local_hosts(spec) if h.group == "observability"]
    if not hosts:
        raise QvError(f"{spec.name} has no observability host: no Prometheus to read", ExitStatus.INVALID_INPUT)
    return f"https://{hosts[0].address}:{spec.ports.prometheus}"
