"""Dashboards as code (grafanalib): one module per dashboard, each with a `build()`.

`qvctl render` writes their Grafana JSON to monitoring/dashboards/generated/<name>.json (committed;
`qvctl render --check` fails when it is stale), the grafana role provisions those files, and
`qvctl dashboards snapshot` draws them from the local Prometheus (monitoring/dashboards/README.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qvctl.monitoring.dashboards import api, cache, database, hosts, slo
from qvctl.monitoring.dashboards.panels import to_json

# Where the JSON goes, relative to the repository; it does not depend on an environment.
OUTPUT_DIR = "monitoring/dashboards/generated"

# (name, builder): the name is the JSON file's; the order is the snapshot page's.
DASHBOARDS: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("api", api.build),
    ("slo", slo.build),
    ("database", database.build),
    ("cache", cache.build),
    ("hosts", hosts.build),
)


def render_files() -> dict[str, str]:
    """File name (relative to OUTPUT_DIR) -> Grafana JSON."""
    return {f"{name}.json": to_json(build()) for name, build in DASHBOARDS}
