"""Checkov over the committed kubernetes/ folder (one run for the whole session) and the repository-wide checks.

Checkov is found as every qvctl command finds it (`qvctl.tools.require`, which looks in
<root>/.tools/*/bin too); a machine without it fails these tests (MISSING_TOOL) rather than
skipping them. The verdict is the one `qvctl validate` gives: `policy_problems`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from qvctl.context import Context
from qvctl.contract.irsa import check_irsa_terraform
from qvctl.kubernetes.checks import run_all
from qvctl.kubernetes.policy import PolicyReport, policy_problems, rollout_as_deployment, run_checkov
from qvctl.kubernetes.render import render_environment
from qvctl.spec import cloud_environments, load_environment, spec_path
from tests.conftest import ROOT, run_qvctl

CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(Path(__file__).resolve().parents[2])]


def _ctx(root: Path = ROOT) -> Context:
    return Context(root=root, environ=dict(os.environ))


@pytest.fixture(scope="module")
def report() -> PolicyReport:
    return run_checkov(_ctx(), ROOT / "kubernetes")


def test_checkov_finds_no_failed_check_and_every_skip_is_justified(report: PolicyReport) -> None:
    assert policy_problems(report) == []
    assert report.passed > 500  # it did scan every environment's workloads
    assert report.skipped, "the fluent-bit DaemonSet's skips should be visible"


def test_a_skip_without_a_real_reason_is_a_problem(report: PolicyReport) -> None:
    key = next(iter(report.skip_reasons))
    lazy = PolicyReport(report.passed, [], report.skipped, {**report.skip_reasons, key: "accepted"}, [])
    assert policy_problems(lazy) == [
        f"kubernetes/: {key}: skipped with the reason 'accepted'; say why in at least 5 words"
    ]


def test_checkov_fails_a_workload_that_breaks_policy(tmp_path: Path) -> None:
    """The same scan on a Rollout stripped of its security context and its image digest must fail: the scan
    can fail, and it scans the Rollout's pod template (as a Deployment, its shadow) for the digest too."""
    env = load_environment(spec_path(ROOT, "dev"))
    rollout = render_environment(env).objects["71-rollout.yaml"][0]
    for container in rollout["spec"]["template"]["spec"]["containers"]:
        del container["securityContext"]
        container["image"] = container["image"].split("@", 1)[0]
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "71-rollout.yaml").write_text(yaml.safe_dump(rollout))
    broken = run_checkov(_ctx(), tmp_path)
    assert {"CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_28", "CKV_K8S_43"} <= {f.check_id for f in broken.failed}
    assert "CKV_K8S_43 Deployment.quantumvest.api" in {f"{f.check_id} {f.resource}" for f in broken.failed}
    assert any("CKV_K8S_20" in problem for problem in policy_problems(broken))
    assert rollout_as_deployment(rollout)["kind"] == "Deployment"


def test_repository_checks_pass() -> None:
    """What `qvctl validate` will run: freshness, schemas and the cross-layer checks, all environments.

    The comparison with Terraform's eks module has its own test below, so that this one names
    a Kubernetes-side problem and that one a disagreement with Terraform.
    """
    problems = [p for p in run_all(_ctx()) if not (p.check == "irsa" and p.where.startswith("terraform/"))]
    assert [str(p) for p in problems] == []


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_irsa_role_names_match_the_terraform_eks_module(name: str) -> None:
    env = load_environment(spec_path(ROOT, name))
    assert [str(p) for p in check_irsa_terraform(ROOT, env)] == []


def test_render_check_passes_on_the_repository() -> None:
    done = run_qvctl("render", "--check")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def test_missing_checkov_is_a_missing_tool(tmp_path: Path) -> None:
    from qvctl.context import QvError
    from qvctl.exit_status import ExitStatus

    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    ctx = Context(root=tmp_path, environ={})
    with pytest.raises(QvError) as caught:
        run_checkov(ctx, tmp_path)
    assert caught.value.status == ExitStatus.MISSING_TOOL
    assert caught.value.message.startswith("checkov is missing"), caught.value.message
