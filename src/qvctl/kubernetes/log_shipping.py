"""Fluent Bit: a DaemonSet that ships every container's log to the environment's OpenSearch domain."""

from __future__ import annotations

import hashlib

from qvctl.fluent_bit import VERSION, opensearch_output
from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, checkov_skips, labels, metadata, selector
from qvctl.spec import Environment

FLUENT_BIT_IMAGE = f"cr.fluentbit.io/fluent/fluent-bit:{VERSION}"
HEALTH_PORT = 2020
STATE_DIR = "/var/lib/fluent-bit"


def fluent_bit_config(env: Environment) -> str:
    lines = [
        "[SERVICE]",
        "    Flush            5",
        "    Log_Level        info",
        "    Parsers_File     /fluent-bit/etc/parsers.conf",
        "    HTTP_Server      On",
        "    HTTP_Listen      0.0.0.0",
        f"    HTTP_Port        {HEALTH_PORT}",
        "    Health_Check     On",
        "    storage.path     " + f"{STATE_DIR}/buffer",
        "",
        "[INPUT]",
        "    Name             tail",
        "    Path             /var/log/containers/*.log",
        "    multiline.parser cri",
        "    Tag              kube.*",
        f"    DB               {STATE_DIR}/tail.db",
        "    Mem_Buf_Limit    50MB",
        "    storage.type     filesystem",
        "    Skip_Long_Lines  On",
        "",
        "[FILTER]",
        "    Name             kubernetes",
        "    Match            kube.*",
        "    Merge_Log        On",
        "    Keep_Log         Off",
        "    Labels           On",
        "    Annotations      Off",
        "",
        # The domain's own endpoint, which its certificate names (the private zone's alias is not in
        # it). The manifests are rendered from the spec alone, before Terraform knows the endpoint:
        # Terraform publishes it, External Secrets syncs it into a Secret, the container reads it
        # into this variable and Fluent Bit substitutes it.
        *opensearch_output(
            match="kube.*",
            host=f"${{{naming.LOGS_ENDPOINT_VARIABLE}}}",
            region=env.regions.primary,
            index_prefix=f"{env.project}-{env.name}-kubernetes",
        ),
        "",
    ]
    return "\n".join(lines)


def fluent_bit(env: Environment) -> list[Manifest]:
    ns = naming.LOGGING_NAMESPACE
    pod_labels = labels(env, "fluent-bit", "log-shipper")
    config_text = fluent_bit_config(env)
    config: Manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata("fluent-bit-config", ns, labels(env, "fluent-bit", "config")),
        "data": {"fluent-bit.conf": config_text},
    }
    # What the pod template does not show: the configuration's text. The endpoint's value is not in
    # it (a Secret's value, read at start): a replaced domain needs `kubectl -n logging rollout
    # restart daemonset/fluent-bit`, as an environment variable from a Secret never changes in a
    # running container.
    config_hash = hashlib.sha256(config_text.encode()).hexdigest()[:16]
    container = {
        "name": "fluent-bit",
        "image": FLUENT_BIT_IMAGE,
        "imagePullPolicy": "Always",
        "args": ["--config=/fluent-bit/etc/conf/fluent-bit.conf"],
        "env": [
            {
                # Not optional: without the endpoint there is nowhere to ship, and a pod that cannot
                # start (CreateContainerConfigError) says so where a running one would only retry.
                "name": naming.LOGS_ENDPOINT_VARIABLE,
                "valueFrom": {"secretKeyRef": {"name": naming.LOGS_ENDPOINT_SECRET, "key": "host"}},
            }
        ],
        "ports": [{"name": "http", "containerPort": HEALTH_PORT, "protocol": "TCP"}],
        "livenessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 10},
        "readinessProbe": {"httpGet": {"path": "/api/v1/health", "port": "http"}, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": False,
            "runAsUser": 0,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/fluent-bit/etc/conf", "readOnly": True},
            {"name": "varlog", "mountPath": "/var/log", "readOnly": True},
            {"name": "state", "mountPath": STATE_DIR},
        ],
    }
    daemon_set = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata(
            "fluent-bit",
            ns,
            pod_labels,
            checkov_skips(
                CKV_K8S_23=(
                    "root (with every capability dropped) is the owner of the node's 0640 container log files; "
                    "no other UID can read them"
                ),
                CKV_K8S_40="runs as UID 0 to read root-owned log files, see CKV_K8S_23",
                CKV_K8S_38="the kubernetes filter reads pod metadata from the API server with this token",
                CKV_K8S_43="pinned by an immutable release tag of the upstream registry",
                CKV_K8S_35=(
                    f"{naming.LOGS_ENDPOINT_VARIABLE} is the OpenSearch endpoint's name, no credential (the pod signs "
                    "with its IRSA role); it comes from a Secret only because Terraform publishes it through Secrets "
                    "Manager, and Fluent Bit's configuration takes it from the environment"
                ),
            ),
        ),
        "spec": {
            "selector": {"matchLabels": selector("fluent-bit", "log-shipper")},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                # A configuration change changes the pod template, so the DaemonSet rolls.
                "metadata": {"labels": pod_labels, "annotations": {"quantumvest.io/config-sha256": config_hash}},
                "spec": {
                    "serviceAccountName": "fluent-bit",
                    "automountServiceAccountToken": True,
                    "priorityClassName": "system-node-critical",
                    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": "fluent-bit-config"}},
                        {"name": "varlog", "hostPath": {"path": "/var/log", "type": "Directory"}},
                        {"name": "state", "hostPath": {"path": STATE_DIR, "type": "DirectoryOrCreate"}},
                    ],
                },
            },
        },
    }
    return [config, daemon_set]
