"""Walking a rendered environment: every object, workloads' pod templates, the API's containers, lookups by name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qvctl.kubernetes.common import Manifest
from qvctl.kubernetes.render import Rendered

WORKLOAD_KINDS = ("Rollout", "Deployment", "Job", "DaemonSet", "StatefulSet")
# (namespace or None for cluster-scoped objects, name)
Key = tuple[str | None, str]


def objects(rendered: Rendered) -> Iterator[tuple[str, Manifest]]:
    """(file, object) for every rendered object."""
    for file, docs in rendered.objects.items():
        for obj in docs:
            yield file, obj


def where(rendered: Rendered, file: str) -> str:
    return f"kubernetes/{rendered.env.name}/{file}"


def pod_spec(obj: Manifest) -> dict[str, Any] | None:
    """A workload's pod spec; None for objects that run no pods."""
    if obj.get("kind") not in WORKLOAD_KINDS:
        return None
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def pod_labels(obj: Manifest) -> dict[str, str]:
    found: dict[str, str] = obj["spec"]["template"].get("metadata", {}).get("labels", {})
    return found


def api_containers(rendered: Rendered) -> Iterator[tuple[str, Manifest, dict[str, Any], dict[str, Any]]]:
    """(file, workload, pod spec, container) for every container that runs the API's `qv-api`."""
    for file, obj in objects(rendered):
        pod = pod_spec(obj)
        if pod is None:
            continue
        for container in pod.get("containers", []):
            if container.get("command", [None])[0] == "qv-api":
                yield file, obj, pod, container


def index(rendered: Rendered, kind: str) -> dict[Key, Manifest]:
    """The rendered objects of one kind by (namespace, name)."""
    return {
        (o["metadata"].get("namespace"), o["metadata"]["name"]): o for _, o in objects(rendered) if o["kind"] == kind
    }
