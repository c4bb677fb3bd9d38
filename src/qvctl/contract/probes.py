"""Probes, scrape paths and ports: every path is a GET route of the API, every port the spec's."""

from __future__ import annotations

from qvctl.contract.manifests import api_containers, objects, where
from qvctl.contract.problem import Problem
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe


def check_probes(rendered: Rendered, served: set[str]) -> list[Problem]:
    env = rendered.env
    problems: list[Problem] = []
    for file, obj, _pod, container in api_containers(rendered):
        who = f"{describe(obj)} container {container['name']}"
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        for port in ports.values():
            if port != env.application.port:
                problems.append(
                    Problem(
                        "probes",
                        where(rendered, file),
                        f"{who} listens on {port}, the spec says {env.application.port}",
                    )
                )
        args = container.get("args", [])
        if "--port" in args and args[args.index("--port") + 1] != str(env.application.port):
            problems.append(
                Problem(
                    "probes",
                    where(rendered, file),
                    f"{who} starts the API on another port than {env.application.port}",
                )
            )
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = (container.get(kind) or {}).get("httpGet")
            if probe is None:
                continue
            if probe["path"] not in served:
                problems.append(
                    Problem(
                        "probes",
                        where(rendered, file),
                        f"{who} {kind} path {probe['path']} is not a GET route of the API",
                    )
                )
            port = ports.get(probe["port"]) if isinstance(probe["port"], str) else probe["port"]
            if port != env.application.port:
                problems.append(
                    Problem(
                        "probes",
                        where(rendered, file),
                        f"{who} {kind} port {probe['port']} is not the API's port {env.application.port}",
                    )
                )
    for file, obj in objects(rendered):
        if obj["kind"] == "ServiceMonitor":
            for endpoint in obj["spec"].get("endpoints", []):
                if endpoint.get("path") not in served:
                    problems.append(
                        Problem(
                            "probes",
                            where(rendered, file),
                            f"{describe(obj)} scrapes {endpoint.get('path')}, not a GET route of the API",
                        )
                    )
    return problems
