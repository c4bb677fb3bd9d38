"""Golden tests: a change to the spec changes exactly the expected manifest lines, nothing else."""

from __future__ import annotations

import difflib
from pathlib import Path

import yaml

from qvctl.kubernetes.render import render_environment
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT


def _render_changed(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> dict[str, str]:
    """Render a copy of environments/<name>.yaml in which `old` (present exactly `count` times) became `new`."""
    text = spec_path(ROOT, name).read_text()
    assert text.count(old) == count, f"{old!r} must occur {count} time(s) in {name}.yaml"
    copy = tmp_path / f"{name}.yaml"
    copy.write_text(text.replace(old, new))
    return render_environment(load_environment(copy)).files


def _changed_lines(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """file -> the removed lines ('-...') then the added lines ('+...'), each sorted."""
    assert before.keys() == after.keys()
    out = {}
    for file in before:
        diff = [
            line
            for line in difflib.unified_diff(before[file].splitlines(), after[file].splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        if diff:
            out[file] = sorted(line for line in diff if line[0] == "-") + sorted(
                line for line in diff if line[0] == "+"
            )
    return out


def _committed(name: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in (ROOT / "kubernetes" / name).glob("*.yaml")}


def test_replicas_max_changes_the_autoscaler_and_the_quota_only(tmp_path: Path) -> None:
    after = _render_changed(
        tmp_path, "dev", "  replicas:\n    min: 2\n    max: 4\n", "  replicas:\n    min: 2\n    max: 5\n"
    )
    # The quota leaves room for a full second ReplicaSet plus the migration: 2 * max + 1 pods.
    assert _changed_lines(_committed("dev"), after) == {
        "10-quota-and-limits.yaml": [
            "-    limits.cpu: '9'",
            "-    limits.memory: 4608Mi",
            "-    pods: '11'",
            "-    requests.cpu: 2250m",
            "-    requests.memory: 2304Mi",
            "+    limits.cpu: '11'",
            "+    limits.memory: 5632Mi",
            "+    pods: '13'",
            "+    requests.cpu: 2750m",
            "+    requests.memory: 2816Mi",
        ],
        "72-autoscaling.yaml": ["-  maxReplicas: 4", "+  maxReplicas: 5"],
    }


def test_pause_changes_only_the_canary_pauses(tmp_path: Path) -> None:
    after = _render_changed(tmp_path, "prod", "pause_seconds: 300}", "pause_seconds: 120}", count=4)
    assert _changed_lines(_committed("prod"), after) == {
        "71-rollout.yaml": ["-            duration: 300s"] * 4 + ["+            duration: 120s"] * 4,
    }


def test_analysis_thresholds_change_only_the_success_conditions(tmp_path: Path) -> None:
    after = _render_changed(tmp_path, "staging", "max_p99_latency_ms: 1000", "max_p99_latency_ms: 750")
    assert _changed_lines(_committed("staging"), after) == {
        "70-analysis-template.yaml": [
            "-      successCondition: len(result) > 0 && !isNaN(result[0]) && result[0] <= 1000",
            "-    - failureCondition: len(result) > 0 && !isNaN(result[0]) && result[0] > 1000",
            "+      successCondition: len(result) > 0 && !isNaN(result[0]) && result[0] <= 750",
            "+    - failureCondition: len(result) > 0 && !isNaN(result[0]) && result[0] > 750",
        ],
    }


def test_image_tag_changes_the_image_and_the_migration_job_name(tmp_path: Path) -> None:
    after = _render_changed(tmp_path, "dev", 'tag: "0.1.0"', 'tag: "0.2.0"')
    assert _changed_lines(_committed("dev"), after) == {
        "60-migration-job.yaml": [
            "-          image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/quantumvest/api:0.1.0",
            "-  name: api-migrate-0-1-0",
            "+          image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/quantumvest/api:0.2.0",
            "+  name: api-migrate-0-2-0",
        ],
        "71-rollout.yaml": [
            "-          image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/quantumvest/api:0.1.0",
            "+          image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/quantumvest/api:0.2.0",
        ],
    }


def test_a_digest_replaces_the_tag_and_the_image_skip(tmp_path: Path) -> None:
    digest = "sha256:" + "ab" * 32
    after = _render_changed(tmp_path, "dev", 'tag: "0.1.0"', f'tag: "0.1.0"\n    digest: "{digest}"')
    changed = _changed_lines(_committed("dev"), after)
    assert set(changed) == {"60-migration-job.yaml", "71-rollout.yaml"}
    for file in changed:
        docs = list(yaml.safe_load_all(after[file]))
        pod = docs[0]["spec"]["template"]["spec"]
        assert pod["containers"][0]["image"] == f"111111111111.dkr.ecr.eu-west-1.amazonaws.com/quantumvest/api@{digest}"
        # Pinned by digest: the CKV_K8S_43 skip is gone, Checkov must see the digest itself.
        skips = docs[0]["metadata"].get("annotations", {}).values()
        assert not any(skip.startswith("CKV_K8S_43=") for skip in skips)
    job = next(yaml.safe_load_all(after["60-migration-job.yaml"]))
    assert job["metadata"]["name"] == "api-migrate-abababababab"


def test_the_namespace_follows_the_spec_everywhere(tmp_path: Path) -> None:
    after = _render_changed(tmp_path, "dev", "namespace: quantumvest", "namespace: qv-apps")
    before = _committed("dev")
    for file, lines in _changed_lines(before, after).items():
        removed = [line for line in lines if line.startswith("-")]
        added = [line for line in lines if line.startswith("+")]
        assert sorted("+" + line[1:].replace("quantumvest", "qv-apps", 1) for line in removed) == added, file
    assert "namespace: qv-apps" in after["71-rollout.yaml"]
    assert "{ns}/api-response-headers".format(ns="qv-apps") in after["80-ingress.yaml"]
