"""What the issue asks of the objects, checked on the rendered output of every cloud environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from qvctl.kubernetes import naming
from qvctl.kubernetes.render import Rendered, render_environment
from qvctl.spec import Environment, cloud_environments, load_environment, spec_path
from tests.conftest import ROOT

KUBERNETES_README = (ROOT / "kubernetes" / "README.md").read_text()
REQUESTS_PER_SECOND = "qv_http_requests_per_second"
CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(Path(__file__).resolve().parents[2])]


def _render(name: str) -> Rendered:
    return render_environment(load_environment(spec_path(ROOT, name)))


@pytest.fixture(scope="module", params=CLOUD_ENVIRONMENTS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return _render(request.param)


def _objects(rendered: Rendered, kind: str | None = None) -> list[dict[str, Any]]:
    return [o for docs in rendered.objects.values() for o in docs if kind is None or o["kind"] == kind]


def _one(rendered: Rendered, kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in _objects(rendered, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def _api_container(rendered: Rendered) -> dict[str, Any]:
    return _one(rendered, "Rollout")["spec"]["template"]["spec"]["containers"][0]


def test_application_namespace_enforces_restricted_pod_security(rendered: Rendered) -> None:
    ns = _one(rendered, "Namespace", rendered.env.kubernetes.namespace)["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert ns[f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert ns[f"pod-security.kubernetes.io/{mode}-version"] == f"v{rendered.env.kubernetes.version}"


def test_quota_and_limit_range_follow_the_spec(rendered: Rendered) -> None:
    resources = rendered.env.application.resources
    limits = _one(rendered, "LimitRange")["spec"]["limits"][0]
    assert limits["defaultRequest"] == {"cpu": resources.requests.cpu, "memory": resources.requests.memory}
    assert limits["max"] == {"cpu": resources.limits.cpu, "memory": resources.limits.memory}
    hard = _one(rendered, "ResourceQuota")["spec"]["hard"]
    assert int(hard["pods"]) >= 2 * rendered.env.application.replicas.max + 1


@pytest.mark.parametrize("kind", ["Rollout", "Job"])
def test_api_pods_are_locked_down(rendered: Rendered, kind: str) -> None:
    pod = _one(rendered, kind)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 10000
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        spec_resources = rendered.env.application.resources
        assert container["resources"]["requests"] == spec_resources.requests.model_dump()
        assert container["resources"]["limits"] == spec_resources.limits.model_dump()
        env = rendered.env
        registry = f"{env.account_id}.dkr.ecr.{env.regions.primary}.amazonaws.com"
        pinned = env.application.image
        assert pinned is not None
        assert container["image"] == f"{registry}/{pinned.repository}:{pinned.tag}@{pinned.digest}"
        assert re.fullmatch(r".+:[^:@/]+@sha256:[0-9a-f]{64}", container["image"])


def test_api_probes_use_the_api_contract(rendered: Rendered) -> None:
    container = _api_container(rendered)
    assert container["ports"] == [{"name": "https", "containerPort": rendered.env.application.port, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "https", "scheme": "HTTPS"}
    assert container["startupProbe"]["httpGet"] == {"path": "/livez", "port": "https", "scheme": "HTTPS"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "https", "scheme": "HTTPS"}
    assert container["command"] == ["qv-api"]
    assert container["args"][0] == "serve"


def test_migration_job_runs_qv_api_migrate(rendered: Rendered) -> None:
    job = _one(rendered, "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert [*container["command"], *container["args"]] == ["qv-api", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_migrations_run_as_the_schema_owner_and_only_they_see_its_password(rendered: Rendered) -> None:
    env = rendered.env
    job = _one(rendered, "Job")["spec"]["template"]["spec"]
    migrate = {e["name"]: e["value"] for e in job["containers"][0]["env"]}
    assert migrate == {"QV_DB_USER": "quantumvest_owner", "QV_DB_PASSWORD_FILE": naming.DB_OWNER_PASSWORD_FILE}
    assert {v["name"] for v in job["volumes"] if "secret" in v} == {"api-database-owner", "environment-ca"}
    owner = next(o for o in _objects(rendered, "ExternalSecret") if o["metadata"]["name"] == "api-database-owner")
    assert owner["spec"]["data"][0]["remoteRef"]["key"] == f"{env.project}/{env.name}/database/owner"
    server = _one(rendered, "Rollout")["spec"]["template"]["spec"]
    assert "api-database-owner" not in {v["name"] for v in server["volumes"]}, "the API never holds its password"


def test_pods_spread_over_zones(rendered: Rendered) -> None:
    constraints = _one(rendered, "Rollout")["spec"]["template"]["spec"]["topologySpreadConstraints"]
    zone = [c for c in constraints if c["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zone and zone[0]["whenUnsatisfiable"] == "DoNotSchedule"


def test_secrets_arrive_as_files_from_external_secrets(rendered: Rendered) -> None:
    assert _objects(rendered, "Secret") == []
    env = rendered.env
    remote = {o["spec"]["data"][0]["remoteRef"]["key"] for o in _objects(rendered, "ExternalSecret")}
    assert {f"{env.project}/{env.name}/database/app", f"{env.project}/{env.name}/pki/ca"} <= remote
    # The cloud cache takes an IAM token, no password: nothing Redis comes from Secrets Manager.
    assert f"{env.project}/{env.name}/redis/auth" not in remote
    container = _api_container(rendered)
    files = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    assert files == {"QV_DB_PASSWORD_FILE": naming.DB_PASSWORD_FILE}
    # The cache's URL names the ElastiCache endpoint (published by Terraform), and is optional:
    # no cache means an uncached API, not a pod that cannot start.
    url = next(e for e in container["env"] if e["name"] == "QV_REDIS_URL")
    assert url["valueFrom"] == {"secretKeyRef": {"name": naming.CACHE_URL_SECRET, "key": "url", "optional": True}}
    mounted = {m["mountPath"] for m in container["volumeMounts"]}
    for path in files.values():
        assert path.rsplit("/", 1)[0] in mounted
    store = _one(rendered, "ClusterSecretStore")["spec"]
    assert store["conditions"] == [{"namespaces": [env.kubernetes.namespace]}]
    assert store["provider"]["aws"] == {
        "service": "SecretsManager",
        "region": env.regions.primary,
        "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}},
    }


def test_no_secret_value_is_rendered(rendered: Rendered) -> None:
    assert not any("stringData" in o for o in _objects(rendered))
    for config_map in _objects(rendered, "ConfigMap"):
        for key, value in config_map.get("data", {}).items():
            if any(word in key for word in ("PASSWORD", "SECRET", "TOKEN")):
                assert key.endswith("_FILE") and value.startswith(naming.SECRETS_DIR)
            assert "@" not in value.split("://", 1)[-1].split("/", 1)[0], f"credentials in a URL: {key}"


def test_service_accounts_carry_irsa_role_arns(rendered: Rendered) -> None:
    env = rendered.env
    accounts = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in _objects(rendered, "ServiceAccount")}
    expected = {
        (env.kubernetes.namespace, "api"),
        ("external-secrets", "external-secrets"),
        ("logging", "external-secrets-logging"),
        (env.kubernetes.namespace, "backup"),
        ("logging", "fluent-bit"),
    }
    assert set(accounts) == expected
    for (_, name), account in accounts.items():
        arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert arn == f"arn:aws:iam::{env.account_id}:role/{env.project}-{env.name}-irsa-{name}"


def test_canary_steps_and_analysis_come_from_the_spec(rendered: Rendered) -> None:
    env = rendered.env
    canary = _one(rendered, "Rollout")["spec"]["strategy"]["canary"]
    # Each step of the spec is a setWeight followed by its own pause.
    expected: list[dict[str, object]] = []
    for step in env.rollout.steps:
        expected += [{"setWeight": step.weight}, {"pause": {"duration": f"{step.pause_seconds}s"}}]
    assert canary["steps"] == expected
    assert canary["trafficRouting"] == {"nginx": {"stableIngress": "api"}}
    analysis = env.rollout.analysis
    metrics = {m["name"]: m for m in _one(rendered, "AnalysisTemplate")["spec"]["metrics"]}
    assert set(metrics) == {"success-rate", "p99-latency-ms"}
    success = metrics["success-rate"]
    assert success["successCondition"].endswith(f"result[0] >= {analysis.min_success_rate}")
    assert success["failureCondition"].endswith(f"result[0] < {analysis.min_success_rate}")
    latency = metrics["p99-latency-ms"]
    assert latency["successCondition"].endswith(f"result[0] <= {analysis.max_p99_latency_ms}")
    assert latency["failureCondition"].endswith(f"result[0] > {analysis.max_p99_latency_ms}")
    for metric in metrics.values():
        # An empty result (fewer than min_requests) or NaN meets neither condition: inconclusive.
        for condition in (metric["successCondition"], metric["failureCondition"]):
            assert condition.startswith("len(result) > 0 && !isNaN(result[0]) && ")
        assert metric["failureLimit"] == analysis.failure_limit
        assert metric["inconclusiveLimit"] == analysis.inconclusive_limit
        assert metric["interval"] == f"{analysis.interval_seconds}s"
        query = metric["provider"]["prometheus"]["query"]
        assert 'rollouts_pod_template_hash="{{args.revision-hash}}"' in query
        assert f">= {analysis.min_requests}" in query


def test_blue_green_strategy_renders_from_the_spec(tmp_path: Path) -> None:
    text = spec_path(ROOT, "staging").read_text().replace("strategy: canary", "strategy: blue_green")
    copy = tmp_path / "staging.yaml"
    copy.write_text(text)
    env: Environment = load_environment(copy)
    rendered = render_environment(env)
    strategy = _one(rendered, "Rollout")["spec"]["strategy"]
    assert set(strategy) == {"blueGreen"}
    assert strategy["blueGreen"]["activeService"] == "api"
    assert strategy["blueGreen"]["previewService"] == "api-preview"
    assert strategy["blueGreen"]["autoPromotionSeconds"] == env.rollout.blue_green.preview_seconds
    assert {o["metadata"]["name"] for o in _objects(rendered, "Service")} == {"api", "api-preview", "api-metrics"}
    measured = _one(rendered, "AnalysisTemplate")["spec"]["metrics"][0]
    # The old pods stay until every measurement could have failed.
    window = measured["count"] * env.rollout.analysis.interval_seconds
    assert strategy["blueGreen"]["scaleDownDelaySeconds"] > window
    # ... and at least for the rollback window, during which a rollback is one Service switch.
    assert strategy["blueGreen"]["scaleDownDelaySeconds"] >= env.rollout.blue_green.rollback_window_seconds


def test_autoscaler_uses_cpu_and_requests_per_second(rendered: Rendered) -> None:
    hpa = _one(rendered, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "api"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (
        rendered.env.application.replicas.min,
        rendered.env.application.replicas.max,
    )
    by_type = {m["type"]: m for m in hpa["metrics"]}
    assert len(hpa["metrics"]) == 2 and set(by_type) == {"Resource", "Pods"}, hpa["metrics"]
    cpu = by_type["Resource"]["resource"]
    assert cpu["name"] == "cpu" and cpu["target"]["type"] == "Utilization"
    assert 0 < cpu["target"]["averageUtilization"] <= 100
    # The per-pod request rate prometheus-adapter serves, by the name kubernetes/README.md documents.
    rate = by_type["Pods"]["pods"]
    assert rate["metric"] == {"name": REQUESTS_PER_SECOND} and REQUESTS_PER_SECOND in KUBERNETES_README
    assert rate["target"]["type"] == "AverageValue" and float(rate["target"]["averageValue"]) > 0
    assert _one(rendered, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_ingress_has_tls_hsts_body_size_and_rate_limits(rendered: Rendered) -> None:
    ingress = _one(rendered, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "1m"
    assert int(annotations["nginx.ingress.kubernetes.io/limit-rps"]) > 0
    headers_ref = annotations["nginx.ingress.kubernetes.io/custom-headers"]
    headers = _one(rendered, "ConfigMap", headers_ref.split("/")[1])
    assert headers["data"]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert ingress["spec"]["tls"] == [{"hosts": [rendered.env.domain]}]
    public, health = ingress["spec"]["rules"]
    assert public["host"] == rendered.env.domain
    assert "host" not in health
    assert [p["path"] for p in health["http"]["paths"]] == ["/readyz"]
    assert ingress["spec"]["ingressClassName"] == "nginx"


def test_the_api_certificate_is_issued_in_the_cluster_by_a_namespace_ca(rendered: Rendered) -> None:
    ns = rendered.env.kubernetes.namespace
    issuers = {o["metadata"]["name"]: o["spec"] for o in _objects(rendered, "Issuer")}
    assert issuers == {"api-selfsigned": {"selfSigned": {}}, "api-ca": {"ca": {"secretName": "api-ca"}}}
    ca = _one(rendered, "Certificate", "api-ca")["spec"]
    assert ca["isCA"] is True and ca["secretName"] == "api-ca"
    assert ca["issuerRef"]["name"] == "api-selfsigned"
    # Renewing the CA keeps its key, so what it signed before still verifies.
    assert ca["privateKey"]["rotationPolicy"] == "Never"
    api = _one(rendered, "Certificate", "api-tls")["spec"]
    assert api["issuerRef"] == {"kind": "Issuer", "name": "api-ca", "group": "cert-manager.io"}
    assert api["secretName"] == naming.API_TLS_SECRET
    assert "isCA" not in api and api["usages"] == ["digital signature", "server auth"]
    services = {o["metadata"]["name"] for o in _objects(rendered, "Service")}
    assert set(api["dnsNames"]) == {f"{s}.{ns}.svc{suffix}" for s in services for suffix in ("", ".cluster.local")}


@pytest.mark.parametrize("name", ["api-tls", "api-ca"])
def test_certificates_renew_well_before_they_expire(rendered: Rendered, name: str) -> None:
    spec = _one(rendered, "Certificate", name)["spec"]
    hours = {key: int(spec[key].removesuffix("h")) for key in ("duration", "renewBefore")}
    # cert-manager renews when renewBefore is left; a third of the lifetime at least leaves weeks to notice a failure.
    assert hours["duration"] / 3 <= hours["renewBefore"] < hours["duration"]


def test_api_pods_serve_https_with_their_certificate(rendered: Rendered) -> None:
    container = _api_container(rendered)
    args = container["args"]
    cert, key = args[args.index("--tls-cert") + 1], args[args.index("--tls-key") + 1]
    mount = next(m for m in container["volumeMounts"] if m["name"] == naming.API_TLS_SECRET)
    assert (cert, key) == (f"{mount['mountPath']}/tls.crt", f"{mount['mountPath']}/tls.key")
    volumes = _one(rendered, "Rollout")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "api-tls", "secret": {"secretName": "api-tls", "defaultMode": 0o440}} in volumes
    # The migration serves nothing and sees no serving key.
    job = _one(rendered, "Job")["spec"]["template"]["spec"]
    assert all(v.get("secret", {}).get("secretName") != naming.API_TLS_SECRET for v in job["volumes"])


def test_the_ingress_verifies_the_pods_over_tls(rendered: Rendered) -> None:
    ns = rendered.env.kubernetes.namespace
    ingress = _one(rendered, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io"
    assert annotations[f"{prefix}/backend-protocol"] == "HTTPS"
    assert annotations[f"{prefix}/proxy-ssl-verify"] == "on"
    assert annotations[f"{prefix}/proxy-ssl-secret"] == f"{ns}/api-tls"
    assert annotations[f"{prefix}/proxy-ssl-name"] == f"api.{ns}.svc"
    backends = {p["backend"]["service"]["port"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"https"}


def test_network_policies_deny_by_default_and_allow_only_the_needed_flows(rendered: Rendered) -> None:
    policies = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"] for o in _objects(rendered, "NetworkPolicy")
    }
    for ns in (rendered.env.kubernetes.namespace, "logging"):
        assert policies[(ns, "default-deny")] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        assert policies[(ns, "allow-dns")]["egress"][0]["ports"][0] == {"protocol": "UDP", "port": 53}
    ns = rendered.env.kubernetes.namespace
    ingress_from = policies[(ns, "api-from-ingress")]["ingress"][0]["from"][0]
    assert ingress_from["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "ingress-nginx"}
    # The port the ingress controller may reach is the one the pods serve HTTPS on.
    https = next(p["containerPort"] for p in _api_container(rendered)["ports"] if p["name"] == "https")
    assert policies[(ns, "api-from-ingress")]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": https}]
    scrape_from = policies[(ns, "api-from-prometheus")]["ingress"][0]["from"][0]
    assert scrape_from["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}
    data = policies[(ns, "api-to-data")]["egress"][0]
    assert [t["ipBlock"]["cidr"] for t in data["to"]] == rendered.env.network.primary.subnets.private_data
    assert {p["port"] for p in data["ports"]} == {5432, 6379}


def test_fluent_bit_ships_container_logs_to_opensearch(rendered: Rendered) -> None:
    daemon_set = _one(rendered, "DaemonSet", "fluent-bit")
    assert daemon_set["metadata"]["namespace"] == "logging"
    config = _one(rendered, "ConfigMap", "fluent-bit-config")["data"]["fluent-bit.conf"]
    assert "Path             /var/log/containers/*.log" in config
    assert "Name               opensearch" in config
    assert f"AWS_Region         {rendered.env.regions.primary}" in config
    assert "tls.verify         On" in config


def test_fluent_bit_connects_to_the_published_endpoint_and_checks_its_name(rendered: Rendered) -> None:
    config = _one(rendered, "ConfigMap", "fluent-bit-config")["data"]["fluent-bit.conf"]
    # The domain's certificate names only its endpoint: the name is checked, so the host must be
    # the endpoint Terraform publishes, never the private zone's alias.
    assert "    Host               ${OPENSEARCH_HOST}\n" in config
    assert "    tls.verify_hostname On\n" in config
    assert f"logs.{naming.internal_zone(rendered.env)}" not in config
    (container,) = _one(rendered, "DaemonSet", "fluent-bit")["spec"]["template"]["spec"]["containers"]
    assert container["env"] == [
        {"name": "OPENSEARCH_HOST", "valueFrom": {"secretKeyRef": {"name": "opensearch-endpoint", "key": "host"}}}
    ]
    synced = _one(rendered, "ExternalSecret", "opensearch-endpoint")
    assert synced["metadata"]["namespace"] == "logging"
    assert synced["spec"]["target"]["name"] == "opensearch-endpoint"
    assert synced["spec"]["data"] == [
        {
            "secretKey": "host",
            "remoteRef": {"key": f"{rendered.env.project}/{rendered.env.name}/logs/endpoint", "property": "host"},
        }
    ]


def test_the_logging_namespace_has_its_own_store_and_identity(rendered: Rendered) -> None:
    # The application's store (which can sync the database password) never serves the logging
    # namespace; its own store is namespaced and authenticates as its own account there.
    assert _one(rendered, "ClusterSecretStore")["spec"]["conditions"] == [
        {"namespaces": [rendered.env.kubernetes.namespace]}
    ]
    store = _one(rendered, "SecretStore")
    assert (store["metadata"]["namespace"], store["metadata"]["name"]) == ("logging", "aws-secrets-manager-logging")
    assert store["spec"]["provider"]["aws"]["auth"] == {
        "jwt": {"serviceAccountRef": {"name": "external-secrets-logging"}}
    }
    logging_secrets = [o for o in _objects(rendered, "ExternalSecret") if o["metadata"]["namespace"] == "logging"]
    assert [o["spec"]["secretStoreRef"] for o in logging_secrets] == [
        {"kind": "SecretStore", "name": "aws-secrets-manager-logging"}
    ]


def test_service_monitor_scrapes_the_metrics_service(rendered: Rendered) -> None:
    monitor = _one(rendered, "ServiceMonitor")["spec"]
    ns = rendered.env.kubernetes.namespace
    assert monitor["endpoints"] == [
        {
            "port": "https",
            "path": "/metrics",
            "interval": "30s",
            "scheme": "https",
            "tlsConfig": {
                "ca": {"secret": {"name": "api-tls", "key": "ca.crt"}},
                "serverName": f"api-metrics.{ns}.svc",
            },
        }
    ]
    assert "rollouts-pod-template-hash" in monitor["podTargetLabels"]
    service = _one(rendered, "Service", "api-metrics")
    selected = monitor["selector"]["matchLabels"]
    assert selected and all(service["metadata"]["labels"].get(k) == v for k, v in selected.items())
