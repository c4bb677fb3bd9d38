"""NetworkPolicies: deny everything, then allow exactly the flows the platform needs."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata, selector
from qvctl.kubernetes.pod import SERVER
from qvctl.spec import Environment


def _policy(
    env: Environment, name: str, namespace: str, pod_selector: dict[str, Any], spec: dict[str, Any]
) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace, labels(env, naming.PART_OF, "network-policy")),
        "spec": {"podSelector": pod_selector, **spec},
    }


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _baseline(env: Environment, namespace: str) -> list[Manifest]:
    dns = {
        "to": [{**_namespace("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    return [
        _policy(env, "default-deny", namespace, {}, {"policyTypes": ["Ingress", "Egress"]}),
        _policy(env, "allow-dns", namespace, {}, {"policyTypes": ["Egress"], "egress": [dns]}),
    ]


def network_policies(env: Environment) -> list[Manifest]:
    ns = env.kubernetes.namespace
    port = env.application.port
    server = {"matchLabels": selector(naming.API, SERVER)}
    # Server and migration pods both talk to the database and Redis.
    api_pods = {"matchLabels": {"app.kubernetes.io/name": naming.API}}
    data_subnets = env.network.primary.subnets.private_data
    out = _baseline(env, ns)
    # Only the ingress controller (users) and Prometheus (metrics) reach the API's port.
    for name, namespace, app in (("api-from-ingress", naming.INGRESS_NAMESPACE, "ingress-nginx"),
                                 ("api-from-prometheus", naming.MONITORING_NAMESPACE, "prometheus")):
        source = {**_namespace(namespace), "podSelector": {"matchLabels": {"app.kubernetes.io/name": app}}}
        out.append(
            _policy(env, name, ns, server, {
                "policyTypes": ["Ingress"],
                "ingress": [{"from": [source], "ports": [{"protocol": "TCP", "port": port}]}],
            })
        )
    out.append(
        _policy(
            env,
            "api-to-data",
            ns,
            api_pods,
            {
                "policyTypes": ["Egress"],
                # PostgreSQL (Patroni hosts) and ElastiCache live in the private data subnets.
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": cidr}} for cidr in data_subnets],
                        "ports": [
                            {"protocol": "TCP", "port": env.ports.postgresql},
                            {"protocol": "TCP", "port": env.ports.redis},
                        ],
                    }
                ],
            },
        )
    )
    # The servers sign the cache's IAM login token with their IRSA role, whose credentials come
    # from the STS interface endpoint inside the VPC; the migration needs no AWS at all.
    out.append(
        _policy(env, "api-to-sts", ns, server, {
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": env.network.primary.vpc_cidr}}],
                        "ports": [{"protocol": "TCP", "port": 443}]}],
        })
    )
    return out


def logging_network_policies(env: Environment) -> list[Manifest]:
    ns = naming.LOGGING_NAMESPACE
    out = _baseline(env, ns)
    out.append(
        _policy(
            env,
            "fluent-bit-egress",
            ns,
            {"matchLabels": selector("fluent-bit", "log-shipper")},
            {
                "policyTypes": ["Egress"],
                # HTTPS inside the VPC only: the OpenSearch domain, the STS endpoint (IRSA) and the
                # Kubernetes API (metadata for the kubernetes filter) all have addresses in it.
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": env.network.primary.vpc_cidr}}],
                        "ports": [{"protocol": "TCP", "port": 443}],
                    }
                ],
            },
        )
    )
    return out
