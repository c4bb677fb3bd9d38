"""The migration Job: `qv-api migrate` once per image version."""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.kubernetes.pod import MIGRATE, container, pod_spec, workload_skips
from qvctl.spec import Environment


def migration_job(env: Environment) -> Manifest:
    """`qv-api migrate` once per image: Jobs are immutable, so the name carries the version.

    `kubectl apply` does not wait for it; new pods stay unready (/readyz answers 503 until the
    schema is at head), so no traffic reaches a version before its migration has run.
    """
    pinned = env.application.image
    version = pinned.digest.removeprefix("sha256:")[:12] if pinned.digest else pinned.tag
    name = f"api-migrate-{naming.dns_label(version)}"
    job_labels = labels(env, naming.API, MIGRATE)
    migrate = container(env, "migrate", ["migrate"], MIGRATE)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(
            name,
            env.kubernetes.namespace,
            job_labels,
            workload_skips(env, MIGRATE),
        ),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 900,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": job_labels}, "spec": pod_spec(env, migrate, MIGRATE)},
        },
    }
