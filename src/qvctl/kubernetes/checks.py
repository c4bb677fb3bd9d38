"""Cross-layer checks on rendered manifests, and `run_all`, the entry point `qvctl validate` calls.

Each check takes what it needs and returns problems; none raises for a finding. The checks:
- environment variables: every variable a manifest sets for the API is one the API documents,
  every required one is set, secrets arrive only as files from mounted Secrets;
- probes and ports: probe paths are GET routes in the API's source, ports are the spec's;
- IRSA: service-account annotations carry the role ARN, and Terraform's eks module names roles
  the same way;
- references: namespaces, selectors and object references resolve inside the rendered set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qvctl.context import Context
from qvctl.kubernetes import contract, naming
from qvctl.kubernetes.common import Manifest
from qvctl.kubernetes.render import Rendered, output_dir, render_environment, stale_files
from qvctl.kubernetes.schemas import describe, validate_objects
from qvctl.spec import Environment, SpecError, environment_names, load_environment, spec_path

WORKLOAD_KINDS = ("Rollout", "Deployment", "Job", "DaemonSet", "StatefulSet")


@dataclass(frozen=True)
class Problem:
    check: str  # which check found it (schema, stale, env-vars, probes, irsa, references, policy)
    where: str  # kubernetes/<env>/<file> or another repository path
    message: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.check}] {self.message}"


def _all(rendered: Rendered) -> Iterator[tuple[str, Manifest]]:
    for file, docs in rendered.objects.items():
        for obj in docs:
            yield file, obj


def _where(rendered: Rendered, file: str) -> str:
    return f"kubernetes/{rendered.env.name}/{file}"


def _pod_spec(obj: Manifest) -> dict[str, Any] | None:
    if obj.get("kind") not in WORKLOAD_KINDS:
        return None
    return obj["spec"]["template"]["spec"]


def _pod_labels(obj: Manifest) -> dict[str, str]:
    return obj["spec"]["template"].get("metadata", {}).get("labels", {})


def _api_containers(rendered: Rendered) -> Iterator[tuple[str, Manifest, dict[str, Any], dict[str, Any]]]:
    """(file, workload, pod spec, container) for every container that runs the API's `qv-api`."""
    for file, obj in _all(rendered):
        pod = _pod_spec(obj)
        for container in (pod or {}).get("containers", []):
            if container.get("command", [None])[0] == "qv-api":
                yield file, obj, pod, container


def _index(rendered: Rendered, kind: str) -> dict[tuple[str | None, str], Manifest]:
    return {(o["metadata"].get("namespace"), o["metadata"]["name"]): o for _, o in _all(rendered) if o["kind"] == kind}


def check_environment_variables(rendered: Rendered, documented: dict[str, contract.Variable]) -> list[Problem]:
    problems = []
    config_maps = _index(rendered, "ConfigMap")
    for file, obj, pod, container in _api_containers(rendered):
        ns = obj["metadata"].get("namespace")
        who = f"{describe(obj)} container {container['name']}"
        values: dict[str, str | None] = {}
        for source in container.get("envFrom", []):
            ref = (source.get("configMapRef") or {}).get("name")
            config_map = config_maps.get((ns, ref))
            if config_map is None:
                problems.append(
                    Problem("env-vars", _where(rendered, file), f"{who}: envFrom names ConfigMap {ref!r}, not rendered")
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
                        _where(rendered, file),
                        f"{who} sets {name}, which the API does not read ({contract.API_VARIABLES})",
                    )
                )
                continue
            if variable.secret and not name.endswith("_FILE"):
                problems.append(
                    Problem(
                        "env-vars",
                        _where(rendered, file),
                        f"{who} sets secret {name} as a value; secrets reach the pod as files",
                    )
                )
            if name.endswith("_FILE") and variable.secret and not any(str(value).startswith(m) for m in mounts):
                problems.append(
                    Problem(
                        "env-vars",
                        _where(rendered, file),
                        f"{who}: {name}={value} is not inside a mounted Secret volume",
                    )
                )
        for variable in documented.values():
            if variable.required and variable.default is None and variable.name not in values:
                problems.append(
                    Problem("env-vars", _where(rendered, file), f"{who} does not set required {variable.name}")
                )
    return problems


def check_probes(rendered: Rendered, served: set[str]) -> list[Problem]:
    env = rendered.env
    problems = []
    for file, obj, _pod, container in _api_containers(rendered):
        who = f"{describe(obj)} container {container['name']}"
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        for port in ports.values():
            if port != env.application.port:
                problems.append(
                    Problem(
                        "probes",
                        _where(rendered, file),
                        f"{who} listens on {port}, the spec says {env.application.port}",
                    )
                )
        args = container.get("args", [])
        if "--port" in args and args[args.index("--port") + 1] != str(env.application.port):
            problems.append(
                Problem(
                    "probes",
                    _where(rendered, file),
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
                        _where(rendered, file),
                        f"{who} {kind} path {probe['path']} is not a GET route of the API",
                    )
                )
            port = ports.get(probe["port"]) if isinstance(probe["port"], str) else probe["port"]
            if port != env.application.port:
                problems.append(
                    Problem(
                        "probes",
                        _where(rendered, file),
                        f"{who} {kind} port {probe['port']} is not the API's port {env.application.port}",
                    )
                )
    for file, obj in _all(rendered):
        if obj["kind"] == "ServiceMonitor":
            for endpoint in obj["spec"].get("endpoints", []):
                if endpoint.get("path") not in served:
                    problems.append(
                        Problem(
                            "probes",
                            _where(rendered, file),
                            f"{describe(obj)} scrapes {endpoint.get('path')}, not a GET route of the API",
                        )
                    )
    return problems


def check_irsa_annotations(rendered: Rendered) -> list[Problem]:
    env = rendered.env
    problems = []
    accounts = _index(rendered, "ServiceAccount")
    for account in naming.IRSA_SERVICE_ACCOUNTS:
        key = (naming.service_account_namespace(env, account), account)
        obj = accounts.get(key)
        if obj is None:
            problems.append(Problem("irsa", f"kubernetes/{env.name}/", f"no ServiceAccount {key[0]}/{account}"))
            continue
        arn = obj["metadata"].get("annotations", {}).get("eks.amazonaws.com/role-arn")
        if arn != naming.irsa_role_arn(env, account):
            problems.append(
                Problem(
                    "irsa",
                    f"kubernetes/{env.name}/",
                    f"ServiceAccount {key[0]}/{account} has role "
                    f"{arn!r}, expected {naming.irsa_role_arn(env, account)!r}",
                )
            )
    return problems


def check_irsa_terraform(root: Path, env: Environment) -> list[Problem]:
    """Terraform must name each IRSA role as the ServiceAccount annotation does, and trust its namespace."""
    where = f"{contract.TERRAFORM_ROOT}/"
    if not (root / contract.EKS_MODULE).is_dir():
        return [
            Problem("irsa", where, f"{contract.EKS_MODULE}/ is missing: cannot check IRSA role names against Terraform")
        ]
    try:
        reader = contract.HclReader(root, env.model_dump(mode="json"))
        names = reader.role_names()
        namespaces = reader.service_account_namespaces()
    except contract.ContractMissing as err:
        return [Problem("irsa", where, str(err))]
    problems = []
    for account in naming.IRSA_SERVICE_ACCOUNTS:
        expected_name = naming.irsa_role_name(env, account)
        expected_ns = naming.service_account_namespace(env, account)
        if account not in names:
            problems.append(Problem("irsa", where, f"service account {account!r} has no IRSA role in Terraform"))
        elif names[account] != expected_name:
            problems.append(
                Problem(
                    "irsa",
                    where,
                    f"Terraform names the role of {account!r} {names[account]!r}, "
                    f"the ServiceAccount expects {expected_name!r}",
                )
            )
        elif namespaces[account] != expected_ns:
            problems.append(
                Problem(
                    "irsa",
                    where,
                    f"Terraform's role for {account!r} trusts namespace {namespaces[account]!r}, "
                    f"the ServiceAccount is in {expected_ns!r}",
                )
            )
    return problems


def _selects(selector: dict[str, str], pod_labels: dict[str, str]) -> bool:
    return bool(selector) and all(pod_labels.get(k) == v for k, v in selector.items())


def check_references(rendered: Rendered) -> list[Problem]:
    problems: list[Problem] = []
    namespaces = {o["metadata"]["name"] for _, o in _all(rendered) if o["kind"] == "Namespace"}
    pods = [(o["metadata"].get("namespace"), _pod_labels(o), o) for _, o in _all(rendered) if _pod_spec(o) is not None]
    services = _index(rendered, "Service")
    secrets = {
        (o["metadata"]["namespace"], o["spec"]["target"]["name"])
        for _, o in _all(rendered)
        if o["kind"] == "ExternalSecret"
    }
    config_maps = _index(rendered, "ConfigMap")
    accounts = _index(rendered, "ServiceAccount")
    templates = _index(rendered, "AnalysisTemplate")
    workloads = {(o["metadata"].get("namespace"), o["kind"], o["metadata"]["name"]) for _, o in _all(rendered)}

    def bad(file: str, obj: Manifest, message: str) -> None:
        problems.append(Problem("references", _where(rendered, file), f"{describe(obj)}: {message}"))

    for file, obj in _all(rendered):
        ns = obj["metadata"].get("namespace")
        kind = obj["kind"]
        spec = obj.get("spec") or {}
        if ns is not None and ns not in namespaces:
            bad(file, obj, f"namespace {ns!r} is not rendered")
        pod = _pod_spec(obj)
        if pod is not None:
            # A Job's selector is generated by the API server.
            if kind != "Job" and not _selects(spec.get("selector", {}).get("matchLabels", {}), _pod_labels(obj)):
                bad(file, obj, "selector does not match its own pod template labels")
            if (ns, pod.get("serviceAccountName", "default")) not in accounts:
                bad(file, obj, f"service account {pod.get('serviceAccountName')!r} is not rendered")
            for volume in pod.get("volumes", []):
                if "secret" in volume and (ns, volume["secret"]["secretName"]) not in secrets:
                    bad(
                        file,
                        obj,
                        f"volume {volume['name']} mounts Secret {volume['secret']['secretName']!r}, "
                        "which no ExternalSecret creates",
                    )
                if "configMap" in volume and (ns, volume["configMap"]["name"]) not in config_maps:
                    bad(
                        file,
                        obj,
                        f"volume {volume['name']} mounts ConfigMap {volume['configMap']['name']!r}, not rendered",
                    )
        if kind in ("Service", "PodDisruptionBudget", "NetworkPolicy"):
            chosen = (
                spec.get("selector")
                if kind == "Service"
                else (spec.get("selector") or spec.get("podSelector") or {}).get("matchLabels")
            )
            if chosen and not any(pns == ns and _selects(chosen, pl) for pns, pl, _ in pods):
                bad(file, obj, f"selector {chosen} matches no pod template in {ns}")
        if kind == "Rollout":
            for role in ("canaryService", "stableService", "activeService", "previewService"):
                for strategy in spec["strategy"].values():
                    if role in strategy and (ns, strategy[role]) not in services:
                        bad(file, obj, f"{role} {strategy[role]!r} is not rendered")
            for strategy in spec["strategy"].values():
                refs = [strategy.get(k) for k in ("analysis", "prePromotionAnalysis", "postPromotionAnalysis")]
                for ref in filter(None, refs):
                    for template in ref.get("templates", []):
                        if (ns, template["templateName"]) not in templates:
                            bad(file, obj, f"AnalysisTemplate {template['templateName']!r} is not rendered")
                nginx = (strategy.get("trafficRouting") or {}).get("nginx")
                if nginx and (ns, "Ingress", nginx["stableIngress"]) not in workloads:
                    bad(file, obj, f"stableIngress {nginx['stableIngress']!r} is not rendered")
        if kind == "Ingress":
            for rule in spec.get("rules", []):
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    service = services.get((ns, backend["name"]))
                    port_names = {p.get("name") for p in (service or {}).get("spec", {}).get("ports", [])}
                    if service is None or backend["port"].get("name") not in port_names:
                        bad(file, obj, f"backend {backend['name']}:{backend['port']} is not a rendered Service port")
        if kind == "HorizontalPodAutoscaler":
            target = spec["scaleTargetRef"]
            if (ns, target["kind"], target["name"]) not in workloads:
                bad(file, obj, f"scale target {target['kind']}/{target['name']} is not rendered")
        if kind == "ServiceMonitor":
            wanted = spec["selector"]["matchLabels"]
            matched = [
                s
                for (sns, _), s in services.items()
                if sns in spec.get("namespaceSelector", {}).get("matchNames", [ns])
                and all(s["metadata"]["labels"].get(k) == v for k, v in wanted.items())
            ]
            ports = {p.get("name") for s in matched for p in s["spec"]["ports"]}
            if not matched:
                bad(file, obj, f"selector {wanted} matches no Service")
            for endpoint in spec.get("endpoints", []):
                if endpoint.get("port") not in ports:
                    bad(file, obj, f"endpoint port {endpoint.get('port')!r} is not a port of the selected Services")
        if kind == "ExternalSecret":
            store = spec["secretStoreRef"]
            store_kind = store.get("kind", "SecretStore")
            store_ns = ns if store_kind == "SecretStore" else None
            if (store_ns, store_kind, store["name"]) not in workloads:
                bad(file, obj, f"{store_kind} {store['name']!r} is not rendered")
            cluster_store = _index(rendered, "ClusterSecretStore").get((None, store["name"]))
            allowed = [c.get("namespaces", []) for c in (cluster_store or {}).get("spec", {}).get("conditions", [])]
            if cluster_store and allowed and not any(ns in names for names in allowed):
                bad(file, obj, f"ClusterSecretStore {store['name']!r} does not admit namespace {ns!r}")
        if kind == "ClusterSecretStore":
            account = spec["provider"]["aws"].get("auth", {}).get("jwt", {}).get("serviceAccountRef")
            if account and (account.get("namespace"), account["name"]) not in accounts:
                bad(file, obj, f"authenticates as {account.get('namespace')}/{account['name']}, which is not rendered")
    return problems


def check_no_secret_data(rendered: Rendered) -> list[Problem]:
    return [
        Problem("secrets", _where(rendered, file), f"{describe(obj)}: a Secret with data; use an ExternalSecret")
        for file, obj in _all(rendered)
        if obj["kind"] == "Secret" and (obj.get("data") or obj.get("stringData"))
    ]


def cross_layer_problems(root: Path, rendered: Rendered) -> list[Problem]:
    problems: list[Problem] = []
    try:
        problems += check_environment_variables(rendered, contract.api_variables(root))
    except contract.ContractMissing as err:
        problems.append(Problem("env-vars", str(contract.API_VARIABLES), str(err)))
    try:
        problems += check_probes(rendered, contract.api_get_paths(root))
    except contract.ContractMissing as err:
        problems.append(Problem("probes", str(contract.API_SOURCE), str(err)))
    problems += check_irsa_annotations(rendered)
    problems += check_irsa_terraform(root, rendered.env)
    problems += check_references(rendered)
    problems += check_no_secret_data(rendered)
    return problems


def environment_problems(root: Path, env: Environment) -> list[Problem]:
    rendered = render_environment(env)
    problems = [
        Problem("stale", f"kubernetes/{env.name}/{name}", "differs from a fresh render; run `qvctl render`")
        for name in stale_files(rendered, output_dir(root, env.name))
    ]
    problems += [
        Problem("schema", f"kubernetes/{env.name}/{p.file}", f"{p.object}: {p.message}")
        for p in validate_objects(rendered.objects, env.kubernetes.version, root / "kubernetes" / "schemas")
    ]
    problems += cross_layer_problems(root, rendered)
    return problems


def run_all(ctx: Context, include_policy: bool = False) -> list[Problem]:
    """Every static check of the Kubernetes layer, for `qvctl validate`. Checkov only on request (it is slow)."""
    problems: list[Problem] = []
    for name in environment_names(ctx.root):
        try:
            env = load_environment(spec_path(ctx.root, name), ctx.root)
        except SpecError as err:
            problems += [Problem("spec", f"environments/{name}.yaml", line) for line in err.problems]
            continue
        if env.kind == "cloud":
            problems += environment_problems(ctx.root, env)
    if include_policy:
        from qvctl.kubernetes.policy import run_checkov

        report = run_checkov(ctx, ctx.root / "kubernetes")
        problems += [
            Problem("policy", f"kubernetes{f.file}", f"{f.resource}: {f.check_id} {f.name}") for f in report.failed
        ]
        problems += [Problem("policy", "kubernetes/", f"parsing error: {e}") for e in report.parsing_errors]
        problems += [
            Problem("policy", "kubernetes/", f"{key}: skipped without a reason")
            for key, reason in report.skip_reasons.items()
            if not reason.strip()
        ]
    # Checks about another layer (e.g. Terraform's eks module) repeat per environment: report once.
    return list(dict.fromkeys(problems))
