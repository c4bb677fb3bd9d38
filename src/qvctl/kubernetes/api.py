"""The API workload: configuration, the Rollout, its migration Job, Services, autoscaling and disruption budget."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import (
    Manifest,
    checkov_skips,
    labels,
    metadata,
    restricted_container_security,
    restricted_pod_security,
    selector,
)
from qvctl.kubernetes.secrets import synced_secrets
from qvctl.spec import Environment

SERVER = "server"
MIGRATE = "migrate"
ROLLOUTS_API_VERSION = "argoproj.io/v1alpha1"
ANALYSIS_TEMPLATE = "api-health"
# Scaled by the HPA on CPU and on this per-pod rate (served by prometheus-adapter from
# qv_http_requests_total); 50 req/s is what one single-worker pod sustains with headroom.
REQUESTS_PER_SECOND_METRIC = "qv_http_requests_per_second"
REQUESTS_PER_SECOND_TARGET = "50"
CPU_TARGET_PERCENT = 70


def config_data(env: Environment) -> dict[str, str]:
    """Non-secret settings (QV_* names from the API's documented list). Secrets arrive as files."""
    return {
        "QV_ENVIRONMENT": env.name,
        "QV_LOG_LEVEL": "INFO",
        "QV_DB_HOST": naming.database_host(env),
        "QV_DB_PORT": str(naming.DATABASE_PORT),
        "QV_DB_NAME": env.database.name,
        "QV_DB_USER": naming.DATABASE_USER,
        "QV_DB_SSLMODE": "verify-full",
        "QV_DB_SSLROOTCERT": naming.ENVIRONMENT_CA_FILE,
        "QV_DB_POOL_SIZE": "5",
        "QV_REDIS_URL": f"rediss://{naming.redis_host(env)}:{naming.REDIS_PORT}/0",
        "QV_REDIS_SSL_CA_FILE": naming.SYSTEM_CA_BUNDLE,
        "QV_CACHE_TTL_SECONDS": "60",
    }


def secret_file_env() -> list[dict[str, str]]:
    return [
        {"name": "QV_DB_PASSWORD_FILE", "value": naming.DB_PASSWORD_FILE},
        {"name": "QV_REDIS_PASSWORD_FILE", "value": naming.REDIS_PASSWORD_FILE},
    ]


def config_map_name(env: Environment) -> str:
    """Content-addressed, like kustomize: a settings change makes a new pod template, hence a rollout."""
    digest = hashlib.sha256(json.dumps(config_data(env), sort_keys=True).encode()).hexdigest()[:10]
    return f"api-config-{digest}"


def config_map(env: Environment) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(config_map_name(env), env.kubernetes.namespace, labels(env, naming.API, "config")),
        "immutable": True,
        "data": config_data(env),
    }


def response_headers(env: Environment) -> Manifest:
    """Headers ingress-nginx adds to every response (custom-headers annotation on the Ingress)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata("api-response-headers", env.kubernetes.namespace, labels(env, naming.API, "ingress")),
        "data": {
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    }


def _secret_volumes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mounts_at = {
        "api-database": naming.DB_PASSWORD_FILE.rsplit("/", 1)[0],
        "api-redis": naming.REDIS_PASSWORD_FILE.rsplit("/", 1)[0],
        "environment-ca": naming.ENVIRONMENT_CA_FILE.rsplit("/", 1)[0],
    }
    volumes = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 - the container's own emptyDir
    for secret in synced_secrets():
        volumes.append({"name": secret.name, "secret": {"secretName": secret.name, "defaultMode": 0o440}})
        mounts.append({"name": secret.name, "mountPath": mounts_at[secret.name], "readOnly": True})
    return volumes, mounts


def image(env: Environment) -> str:
    pinned = env.application.image
    repository = f"{naming.image_registry(env)}/{pinned.repository}"
    if pinned.digest:
        return f"{repository}@{pinned.digest}"
    return f"{repository}:{pinned.tag}"


def _container(env: Environment, name: str, args: list[str], probes: bool) -> dict[str, Any]:
    resources = env.application.resources
    _, mounts = _secret_volumes()
    container: dict[str, Any] = {
        "name": name,
        "image": image(env),
        "imagePullPolicy": "Always",
        "command": ["qv-api"],
        "args": args,
        "envFrom": [{"configMapRef": {"name": config_map_name(env)}}],
        "env": secret_file_env(),
        "resources": {
            "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
            "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
        },
        "securityContext": restricted_container_security(),
        "volumeMounts": mounts,
    }
    if probes:
        port = env.application.port
        container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]

        def probe(path: str, period: int, failures: int) -> dict[str, Any]:
            return {
                "httpGet": {"path": path, "port": "http"},
                "periodSeconds": period,
                "timeoutSeconds": 2,
                "failureThreshold": failures,
            }

        # Startup allows 60 s for imports and the first DB connection; liveness never checks
        # dependencies (a database outage must not restart every pod), readiness does.
        container["startupProbe"] = probe(naming.LIVENESS_PATH, 2, 30)
        container["livenessProbe"] = probe(naming.LIVENESS_PATH, 10, 3)
        container["readinessProbe"] = probe(naming.READINESS_PATH, 5, 2)
    return container


def _pod_spec(env: Environment, container: dict[str, Any], restart: str | None) -> dict[str, Any]:
    volumes, _ = _secret_volumes()
    spec: dict[str, Any] = {
        "serviceAccountName": "api",
        "automountServiceAccountToken": False,
        "securityContext": restricted_pod_security(),
        "containers": [container],
        "volumes": volumes,
        "terminationGracePeriodSeconds": 30,
    }
    if restart:
        spec["restartPolicy"] = restart
    return spec


# Checkov cannot know that the registry refuses to overwrite a tag.
_IMMUTABLE_TAG = (
    "pinned by the immutable release tag in the spec (release tags are never re-pushed: ECR tag immutability); "
    "the digest is used instead whenever the spec gives one"
)


def _image_skips(env: Environment) -> dict[str, str]:
    return {} if env.application.image.digest else checkov_skips(CKV_K8S_43=_IMMUTABLE_TAG)


def rollout(env: Environment) -> Manifest:
    ns = env.kubernetes.namespace
    pod_labels = labels(env, naming.API, SERVER)
    # One uvicorn worker per pod: prometheus_client keeps metrics per process, so a pod with one
    # worker reports all of its requests; capacity comes from more pods (the HPA).
    container = _container(
        env,
        "api",
        ["serve", "--host", "0.0.0.0", "--port", str(env.application.port), "--workers", "1"],  # noqa: S104 - a pod
        True,
    )
    pod = _pod_spec(env, container, None)
    pod["topologySpreadConstraints"] = [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": selector(naming.API, SERVER)},
            "matchLabelKeys": ["rollouts-pod-template-hash"],
        }
        for key, when in (
            ("topology.kubernetes.io/zone", "DoNotSchedule"),
            ("kubernetes.io/hostname", "ScheduleAnyway"),
        )
    ]
    return {
        "apiVersion": ROLLOUTS_API_VERSION,
        "kind": "Rollout",
        # Checkov does not know Rollouts; policy.py scans this one as a Deployment, hence the skip here.
        "metadata": metadata(naming.API, ns, pod_labels, _image_skips(env)),
        "spec": {
            "replicas": env.application.replicas.min,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": selector(naming.API, SERVER)},
            "template": {"metadata": {"labels": pod_labels}, "spec": pod},
            "strategy": _strategy(env),
        },
    }


def _analysis_ref() -> dict[str, Any]:
    return {
        "templates": [{"templateName": ANALYSIS_TEMPLATE}],
        "args": [{"name": "revision-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
    }


def _strategy(env: Environment) -> dict[str, Any]:
    policy = env.rollout
    if policy.strategy == "canary":
        steps: list[dict[str, Any]] = []
        for weight in policy.steps:
            steps.append({"setWeight": weight})
            if weight < 100:
                steps.append({"pause": {"duration": f"{policy.pause_seconds}s"}})
        return {
            "canary": {
                "stableService": "api",
                "canaryService": "api-canary",
                "trafficRouting": {"nginx": {"stableIngress": "api"}},
                "maxSurge": "25%",
                "maxUnavailable": 0,
                # Background analysis from the first weight on: a failed metric aborts the
                # rollout and Argo Rollouts shifts all traffic back to the stable pods.
                "analysis": {**_analysis_ref(), "startingStep": 1},
                "steps": steps,
            }
        }
    return {
        "blueGreen": {
            "activeService": "api",
            "previewService": "api-preview",
            "autoPromotionEnabled": True,
            "autoPromotionSeconds": policy.pause_seconds,
            # After the switch, the analysis judges the new version under real traffic; the old
            # ReplicaSet stays up until the analysis could have failed, so an abort is instant.
            "postPromotionAnalysis": _analysis_ref(),
            "scaleDownDelaySeconds": _blue_green_analysis_seconds(env) + 30,
        }
    }


def _blue_green_measurements(env: Environment) -> int:
    analysis = env.rollout.analysis
    return max(analysis.failure_limit + 1, -(-env.rollout.pause_seconds // analysis.interval_seconds), 3)


def _blue_green_analysis_seconds(env: Environment) -> int:
    return _blue_green_measurements(env) * env.rollout.analysis.interval_seconds


def prometheus_address() -> str:
    """The in-cluster Prometheus (Prometheus Operator's governing Service) that scrapes the API."""
    return f"http://prometheus-operated.{naming.MONITORING_NAMESPACE}.svc.cluster.local:9090"


def analysis_queries(env: Environment) -> dict[str, str]:
    """PromQL over the new revision's pods only. Multi-line, so the rendered YAML stays readable."""
    ns = env.kubernetes.namespace
    window = f"{max(2 * env.rollout.analysis.interval_seconds, 60)}s"
    revision = "{{args.revision-hash}}"

    def series(metric: str, *extra: str) -> str:
        matchers = [f'namespace="{ns}", service="api-metrics"', f'rollouts_pod_template_hash="{revision}"', *extra]
        return metric + "{\n" + "".join(f"    {m},\n" for m in matchers) + f"  }}[{window}]"

    errors = series("qv_http_requests_total", 'status=~"5.."')
    requests = series("qv_http_requests_total")
    latency = series("qv_http_request_duration_seconds_bucket")
    return {
        # No traffic yet is not an error: both sides fall back to 0, the divisor to a tiny number.
        "error-rate": (
            f"(\n  sum(rate({errors}))\n  or vector(0)\n)\n"
            f"/ clamp_min(\n  sum(rate({requests}))\n  or vector(0), 1e-9\n)\n"
        ),
        "p99-latency-ms": f"1000 * histogram_quantile(0.99, sum by (le) (\n  rate({latency})\n))\n",
    }


def analysis_template(env: Environment) -> Manifest:
    analysis = env.rollout.analysis
    queries = analysis_queries(env)
    conditions = {
        "error-rate": f"result[0] <= {analysis.max_error_rate}",
        # NaN means no request was measured in the window: nothing to judge yet.
        "p99-latency-ms": f"isNaN(result[0]) || result[0] <= {analysis.max_p99_latency_ms}",
    }
    metrics = []
    for name in ("error-rate", "p99-latency-ms"):
        metric: dict[str, Any] = {
            "name": name,
            "interval": f"{analysis.interval_seconds}s",
            "failureLimit": analysis.failure_limit,
            "successCondition": conditions[name],
            "provider": {"prometheus": {"address": prometheus_address(), "query": queries[name]}},
        }
        if env.rollout.strategy == "blue_green":
            metric["count"] = _blue_green_measurements(env)
        metrics.append(metric)
    return {
        "apiVersion": ROLLOUTS_API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": metadata(ANALYSIS_TEMPLATE, env.kubernetes.namespace, labels(env, naming.API, "analysis")),
        "spec": {"args": [{"name": "revision-hash"}], "metrics": metrics},
    }


def migration_job(env: Environment) -> Manifest:
    """`qv-api migrate` once per image: Jobs are immutable, so the name carries the version.

    `kubectl apply` does not wait for it; new pods stay unready (/readyz answers 503 until the
    schema is at head), so no traffic reaches a version before its migration has run.
    """
    pinned = env.application.image
    version = pinned.digest.removeprefix("sha256:")[:12] if pinned.digest else pinned.tag
    name = f"api-migrate-{naming.dns_label(version)}"
    job_labels = labels(env, naming.API, MIGRATE)
    container = _container(env, "migrate", ["migrate"], False)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(
            name,
            env.kubernetes.namespace,
            job_labels,
            _image_skips(env),
        ),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 900,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": job_labels}, "spec": _pod_spec(env, container, "Never")},
        },
    }


def _service(env: Environment, name: str, role: str, extra_labels: dict[str, str] | None = None) -> Manifest:
    svc_labels = {**labels(env, naming.API, SERVER), "quantumvest.io/service-role": role, **(extra_labels or {})}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, env.kubernetes.namespace, svc_labels),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(naming.API, SERVER),
            "ports": [{"name": "http", "port": env.application.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def services(env: Environment) -> list[Manifest]:
    """`api` takes the ingress traffic; Argo Rollouts adds a pod-hash selector to it and to the second one."""
    second = ("api-canary", "canary") if env.rollout.strategy == "canary" else ("api-preview", "preview")
    return [
        _service(env, "api", "stable"),
        _service(env, second[0], second[1]),
        # All API pods whatever their revision, for Prometheus (Argo Rollouts never touches this one).
        _service(env, "api-metrics", "metrics", {"quantumvest.io/metrics": "true"}),
    ]


def autoscaling(env: Environment) -> list[Manifest]:
    ns = env.kubernetes.namespace
    replicas = env.application.replicas
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "autoscaler")),
        "spec": {
            "scaleTargetRef": {"apiVersion": ROLLOUTS_API_VERSION, "kind": "Rollout", "name": naming.API},
            "minReplicas": replicas.min,
            "maxReplicas": replicas.max,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": CPU_TARGET_PERCENT},
                    },
                },
                {
                    "type": "Pods",
                    "pods": {
                        "metric": {"name": REQUESTS_PER_SECOND_METRIC},
                        "target": {"type": "AverageValue", "averageValue": REQUESTS_PER_SECOND_TARGET},
                    },
                },
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "disruption-budget")),
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": selector(naming.API, SERVER)},
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }
    return [hpa, pdb]


def ingress(env: Environment) -> Manifest:
    ns = env.kubernetes.namespace
    prefix = "nginx.ingress.kubernetes.io"
    annotations = {
        f"{prefix}/force-ssl-redirect": "true",
        f"{prefix}/proxy-body-size": "1m",
        f"{prefix}/limit-rps": "20",
        f"{prefix}/limit-burst-multiplier": "5",
        f"{prefix}/limit-connections": "50",
        f"{prefix}/custom-headers": f"{ns}/api-response-headers",
    }
    host = naming.public_host(env)
    backend = {"service": {"name": "api", "port": {"name": "http"}}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "ingress"), annotations),
        "spec": {
            "ingressClassName": "nginx",
            # No secretName: ingress-nginx serves its --default-ssl-certificate (README.md).
            "tls": [{"hosts": [host]}],
            "rules": [
                {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}},
                # The ALB's target-group health check reaches nginx by pod IP, with no host name:
                # only the readiness path answers requests without one.
                {"http": {"paths": [{"path": naming.READINESS_PATH, "pathType": "Exact", "backend": backend}]}},
            ],
        },
    }
