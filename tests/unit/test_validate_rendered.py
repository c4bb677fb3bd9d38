"""`qvctl validate`'s checks over the renders: every cloud environment's schemas, the contract reported once."""

from __future__ import annotations

import shutil
from pathlib import Path

from qvctl.context import Context
from qvctl.validation.rendered import contract_problems, schema_problems
from tests.conftest import ROOT


def _copy(tmp_path: Path, *parts: str) -> Context:
    for part in parts:
        shutil.copytree(ROOT / part, tmp_path / part)
    return Context(root=tmp_path, environ={})


def test_schema_problems_name_each_cloud_environments_file_past_a_broken_spec(tmp_path: Path) -> None:
    ctx = _copy(tmp_path, "environments", "kubernetes/schemas")
    (tmp_path / "environments" / "dev.yaml").write_text("name: dev\n")  # the specs check reports it
    prod = tmp_path / "environments" / "prod.yaml"
    # PodDisruptionBudget's unhealthyPodEvictionPolicy arrived in Kubernetes 1.26.
    prod.write_text(prod.read_text().replace('version: "1.31"', 'version: "1.25"', 1))
    problems = schema_problems(ctx)
    assert problems, "prod's objects use fields Kubernetes 1.25 does not have"
    assert all(p.startswith("kubernetes/prod/") and ": [schema] " in p for p in problems), problems
    assert any("PodDisruptionBudget" in p and "unhealthyPodEvictionPolicy" in p for p in problems), problems


def test_a_contract_problem_shared_by_every_environment_is_reported_once(tmp_path: Path) -> None:
    ctx = _copy(tmp_path, "environments")  # no API, no Terraform: every cloud environment misses them
    problems = contract_problems(ctx)
    assert len(problems) == len(set(problems))
    missing_api = [p for p in problems if p.startswith("services/api/config/environment-variables.yaml: [env-vars]")]
    assert len(missing_api) == 1, problems
