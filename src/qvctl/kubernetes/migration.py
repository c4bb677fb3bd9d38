"""The migration Job: `qv-api migrate` once per image version."""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.kubernetes.pod import MIGRATE, container, pinned_image, pod_spec, workload_skips
from qvctl.spec import Environment


def migration_job(env: Environment) -> Manifest:
    """`qv-api migrate` once per image: Jobs are immutable, so the name carries the version.

    `kubectl apply` does not wait for it; new pods stay unready (/readyz answers 503 until the
    schema is at head), so no traffic reaches a version before its migration has run.
    """
    # The tag for people, the digest for what runs: a tag pushed again is a new image and migrates again.
    pinned, digest = pinned_image(env)
    tag = naming.dns_label(pinned.tag)[:27].rstrip("-")
    name = f"api-migrate-{tag}-{digest.removeprefix('sha256:')[:12]}"
    job_labels = labels(env, naming.API, MIGRATE)
    migrate = container(env, "migrate", ["migrate"], MIGRATE)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(
            name,
            env.kubernetes.namespace,
            job_labels,
            workload_skips(MIGRATE),
        ),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 900,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": job_labels}, "spec": pod_spec(env, migrate, MIGRATE)},
        },
    }
