"""Namespace-level objects: namespaces with Pod Security labels, quota, limits, service accounts, RBAC."""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.kubernetes.quantities import cpu_millicores, format_cpu, format_memory, memory_bytes
from qvctl.spec import Environment


def _pod_security(level: str, version: str) -> dict[str, str]:
    return {
        f"pod-security.kubernetes.io/{mode}{suffix}": value
        for mode in ("enforce", "audit", "warn")
        for suffix, value in (("", level), ("-version", f"v{version}"))
    }


def namespaces(env: Environment) -> list[Manifest]:
    version = env.kubernetes.version
    app = {**labels(env, naming.PART_OF, "namespace"), **_pod_security("restricted", version)}
    # Fluent Bit must read the nodes' container logs through a hostPath, which only the
    # `privileged` level admits; audit and warn stay at `restricted` so anything else shows up.
    logging = {
        **labels(env, "fluent-bit", "namespace"),
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/enforce-version": f"v{version}",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": f"v{version}",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": f"v{version}",
    }
    # The operator's own namespace: its Helm chart installs into it, our `external-secrets`
    # account (IRSA) lives there because Terraform's trust policy names it.
    operator = {**labels(env, "external-secrets", "namespace"), **_pod_security("restricted", version)}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(env.kubernetes.namespace, None, app)},
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": metadata(naming.EXTERNAL_SECRETS_NAMESPACE, None, operator),
        },
        {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(naming.LOGGING_NAMESPACE, None, logging)},
    ]


def surge_pods(env: Environment) -> int:
    """Most API pods that can exist at once: a full second ReplicaSet during a rollout, plus the migration."""
    return 2 * env.application.replicas.max + 1


def quota_and_limits(env: Environment) -> list[Manifest]:
    app = env.application.resources
    ns = env.kubernetes.namespace
    pods = surge_pods(env)
    meta_labels = labels(env, naming.PART_OF, "quota")
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": metadata("compute", ns, meta_labels),
        "spec": {
            "hard": {
                "pods": str(pods + 2),
                "requests.cpu": format_cpu(cpu_millicores(app.requests.cpu) * pods),
                "requests.memory": format_memory(memory_bytes(app.requests.memory) * pods),
                "limits.cpu": format_cpu(cpu_millicores(app.limits.cpu) * pods),
                "limits.memory": format_memory(memory_bytes(app.limits.memory) * pods),
                "services.loadbalancers": "0",
                "services.nodeports": "0",
            }
        },
    }
    limit_range = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": metadata("container-defaults", ns, meta_labels),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "default": {"cpu": app.limits.cpu, "memory": app.limits.memory},
                    "defaultRequest": {"cpu": app.requests.cpu, "memory": app.requests.memory},
                    "max": {"cpu": app.limits.cpu, "memory": app.limits.memory},
                }
            ]
        },
    }
    return [quota, limit_range]


def service_accounts(env: Environment) -> list[Manifest]:
    out = []
    for account in naming.IRSA_SERVICE_ACCOUNTS:
        out.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                # Tokens are mounted only where a pod needs one (projected by IRSA's webhook).
                "automountServiceAccountToken": False,
                "metadata": metadata(
                    account,
                    naming.service_account_namespace(env, account),
                    labels(env, account, "service-account"),
                    {"eks.amazonaws.com/role-arn": naming.irsa_role_arn(env, account)},
                ),
            }
        )
    return out


def fluent_bit_rbac(env: Environment) -> list[Manifest]:
    """Fluent Bit's kubernetes filter reads pod and namespace metadata, nothing else."""
    meta_labels = labels(env, "fluent-bit", "rbac")
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": metadata("fluent-bit-read", None, meta_labels),
            "rules": [{"apiGroups": [""], "resources": ["namespaces", "pods"], "verbs": ["get", "list", "watch"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": metadata("fluent-bit-read", None, meta_labels),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "fluent-bit-read"},
            "subjects": [{"kind": "ServiceAccount", "name": "fluent-bit", "namespace": naming.LOGGING_NAMESPACE}],
        },
    ]
