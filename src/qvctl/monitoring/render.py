"""Render `monitoring/generated/<env>/` from `environments/<env>.yaml`, for every environment.

What an environment's Prometheus scrapes, how its Alertmanager routes, and the rules whose
thresholds the spec sets are pure functions of the spec, committed so a reviewer sees them and
`qvctl render --check` fails when they are stale. The Ansible roles copy these files; the
hand-written rules and alerts (`monitoring/rules/`, `monitoring/alerts/`) hold everything that
does not depend on an environment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from qvctl import rendered_files
from qvctl.monitoring import alertmanager, backup_age, rule_files, scrape, slo, synchronous
from qvctl.spec import Environment

# (file, builder): the builder returns the document; the file is written as YAML under
# monitoring/generated/<env>/.
LAYOUT: tuple[tuple[str, Callable[[Environment], dict[str, object]]], ...] = (
    ("prometheus.yml", scrape.prometheus_config),
    ("alertmanager.yml", alertmanager.alertmanager_config),
    # Rules whose thresholds or existence the spec decides. The prometheus role copies them flat
    # into rules/ beside monitoring/rules/ and monitoring/alerts/: names unique across the three.
    ("rules/slo.yml", slo.slo_rules),
    ("rules/backup.yml", backup_age.backup_rules),
    ("rules/database.yml", synchronous.synchronous_rules),
)


def header(env: Environment) -> str:
    return (
        f"# Rendered by `qvctl render {env.name}` from environments/{env.name}.yaml. Do not edit:\n"
        f"# change the spec or src/qvctl/monitoring/ and render again (`qvctl render --check` fails on drift).\n"
    )


def dump(document: dict[str, object]) -> str:
    # No folding of long lines: an alert's description folded inside a {{ template }} reads as broken.
    return yaml.dump(document, Dumper=rendered_files.BlockDumper, sort_keys=False, default_flow_style=False,
                     width=1000)


def render_environment(env: Environment) -> dict[str, str]:
    """File name (relative to the environment's folder) -> text."""
    return {name: header(env) + dump(build(env)) for name, build in LAYOUT}


def output_dir(root: Path, env_name: str) -> Path:
    return root / rule_files.GENERATED / env_name
