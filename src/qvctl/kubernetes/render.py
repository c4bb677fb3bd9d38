"""Render `kubernetes/<env>/` from `environments/<env>.yaml`.

Manifests are built as Python dicts and dumped with sorted keys: the output is a pure function
of the spec, byte for byte, so `--check` can compare it with what is committed, and YAML quoting
is PyYAML's problem rather than a template's. Files carry numeric prefixes so that
`kubectl apply -f kubernetes/<env>/` (which applies in file-name order) creates namespaces
first and whatever an object references before the object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from qvctl import rendered_files
from qvctl.kubernetes import (
    analysis,
    autoscaling,
    certificates,
    config,
    ingress,
    log_shipping,
    migration,
    monitoring,
    namespace,
    network,
    rollout,
    secrets,
    service,
    slo_rules,
)
from qvctl.kubernetes.common import Manifest
from qvctl.spec import Environment

# (file name, builder). The order is the apply order; README.md explains it.
LAYOUT: tuple[tuple[str, Callable[[Environment], list[Manifest]]], ...] = (
    ("00-namespaces.yaml", namespace.namespaces),
    ("10-quota-and-limits.yaml", namespace.quota_and_limits),
    ("20-service-accounts.yaml", namespace.service_accounts),
    ("21-rbac.yaml", namespace.fluent_bit_rbac),
    ("30-network-policies.yaml", lambda env: network.network_policies(env) + network.logging_network_policies(env)),
    ("40-config.yaml", lambda env: [config.config_map(env), ingress.response_headers(env)]),
    (
        "41-external-secrets.yaml",
        lambda env: [
            secrets.secret_store(env),
            *secrets.external_secrets(env),
            secrets.logging_secret_store(env),
            *secrets.logging_external_secrets(env),
        ],
    ),
    ("45-certificates.yaml", certificates.certificates),
    ("50-services.yaml", service.services),
    ("60-migration-job.yaml", lambda env: [migration.migration_job(env)]),
    ("70-analysis-template.yaml", lambda env: [analysis.analysis_template(env)]),
    ("71-rollout.yaml", lambda env: [rollout.rollout(env)]),
    ("72-autoscaling.yaml", autoscaling.autoscaling),
    ("80-ingress.yaml", lambda env: [ingress.ingress(env)]),
    ("90-fluent-bit.yaml", log_shipping.fluent_bit),
    ("91-service-monitor.yaml", lambda env: [monitoring.service_monitor(env)]),
    ("92-slo-rules.yaml", lambda env: [slo_rules.prometheus_rule(env)]),
)


def header(env: Environment) -> str:
    return (
        f"# Rendered by `qvctl render {env.name}` from environments/{env.name}.yaml. Do not edit:\n"
        f"# change the spec or src/qvctl/kubernetes/ and render again (`qvctl render --check` fails on drift).\n"
    )


def dump(documents: list[Manifest]) -> str:
    return yaml.dump_all(
        documents,
        Dumper=rendered_files.BlockDumper,
        sort_keys=True,
        default_flow_style=False,
        explicit_start=True,
        width=100,
    )


@dataclass(frozen=True)
class Rendered:
    env: Environment
    files: dict[str, str]  # file name -> text
    objects: dict[str, list[Manifest]]  # file name -> objects (what the checks inspect)


def render_environment(env: Environment) -> Rendered:
    if env.kind != "cloud":
        raise ValueError(f"environment {env.name!r} has no Kubernetes cluster; only cloud environments render")
    objects = {name: build(env) for name, build in LAYOUT}
    files = {name: header(env) + dump(docs) for name, docs in objects.items()}
    return Rendered(env=env, files=files, objects=objects)


def output_dir(root: Path, env_name: str) -> Path:
    return root / "kubernetes" / env_name


def stale_files(rendered: Rendered, directory: Path) -> list[str]:
    """File names that differ from a fresh render: changed, missing, or no longer rendered."""
    return rendered_files.stale_files(rendered.files, directory, "*.yaml")
