"""The API as an Argo Rollouts `Rollout`: its pod template, spread, and canary or blue-green strategy."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.analysis import ANALYSIS_TEMPLATE, blue_green_analysis_seconds
from qvctl.kubernetes.common import ROLLOUTS_API_VERSION, Manifest, labels, metadata, selector
from qvctl.kubernetes.pod import SERVER, container, pod_spec, serve_tls_args, workload_skips
from qvctl.spec import Environment


def rollout(env: Environment) -> Manifest:
    ns = env.kubernetes.namespace
    pod_labels = labels(env, naming.API, SERVER)
    # One uvicorn worker per pod: prometheus_client keeps metrics per process, so a pod with one
    # worker reports all of its requests; capacity comes from more pods (the HPA).
    server = container(
        env,
        "api",
        [
            "serve",
            "--host",
            "0.0.0.0",  # noqa: S104 - a pod's own address: the NetworkPolicies decide who reaches it
            "--port",
            str(env.application.port),
            "--workers",
            "1",
            *serve_tls_args(),
        ],
        SERVER,
    )
    pod = pod_spec(env, server, SERVER)
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
        "metadata": metadata(naming.API, ns, pod_labels, workload_skips(SERVER)),
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
        for step in policy.steps:
            steps.append({"setWeight": step.weight})
            if step.pause_seconds:
                steps.append({"pause": {"duration": f"{step.pause_seconds}s"}})
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
            "autoPromotionSeconds": policy.blue_green.preview_seconds,
            # After the switch, the analysis judges the new version under real traffic; the old
            # ReplicaSet stays up for the rollback window (and at least until the analysis could have
            # failed), so a rollback inside it is one Service switch.
            "postPromotionAnalysis": _analysis_ref(),
            "scaleDownDelaySeconds": max(
                policy.blue_green.rollback_window_seconds, blue_green_analysis_seconds(env) + 30
            ),
        }
    }
