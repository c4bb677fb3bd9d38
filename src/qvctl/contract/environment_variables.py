"""The API's environment in the manifests: only documented variables, every required one, secrets only as files."""

from __future__ import annotations

from qvctl.contract.api_settings import API_VARIABLES, Variable
from qvctl.contract.manifests import api_containers, index, where
from qvctl.contract.problem import Problem
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe


def check_environment_variables(rendered: Rendered, documented: dict[str, Variable]) -> list[Problem]:
    problems: list[Problem] = []
    config_maps = index(rendered, "ConfigMap")
    for file, obj, pod, container in api_containers(rendered):
        ns: str | None = obj["metadata"].get("namespace")
        who = f"{describe(obj)} container {container['name']}"
        values: dict[str, str | None] = {}
        for source in container.get("envFrom", []):
            ref: str | None = (source.get("configMapRef") or {}).get("name")
            config_map = None if ref is None else config_maps.get((ns, ref))
            if config_map is None:
                problems.append(
                    Problem("env-vars", where(rendered, file), f"{who}: envFrom names ConfigMap {ref!r}, not rendered")
                )
                continue
            values.update(config_map.get("data", {}))
        for item in container.get("env", []):
            values[item["name"]] = item.get("value")
        mounts = [
            m["mountPath"].rstrip("/") + "/"
            for m in container.get("volumeMounts", [])
            if any(v["name"] == m["name"] and "secret" in v for v in pod.get("volumes", []))
        ]
        for name, value in sorted(values.items()):
            variable = documented.get(name)
            if variable is None:
                problems.append(
                    Problem(
                        "env-vars",
                        where(rendered, file),
                        f"{who} sets {name}, which the API does not read ({API_VARIABLES})",
                    )
                )
                continue
            if variable.secret and not name.endswith("_FILE"):
                problems.append(
                    Problem(
                        "env-vars",
                        where(rendered, file),
                        f"{who} sets secret {name} as a value; secrets reach the pod as files",
                    )
                )
            if name.endswith("_FILE") and variable.secret and not any(str(value).startswith(m) for m in mounts):
                problems.append(
                    Problem(
                        "env-vars",
                        where(rendered, file),
                        f"{who}: {name}={value} is not inside a mounted Secret volume",
                    )
                )
        for variable in documented.values():
            if variable.required and variable.default is None and variable.name not in values:
                problems.append(
                    Problem("env-vars", where(rendered, file), f"{who} does not set required {variable.name}")
                )
    return problems
