"""Checkov over the rendered manifests: 0 failed checks, every skip carried by the manifest itself.

Checkov has no policies for Argo Rollouts, so each Rollout is also scanned as the Deployment it
stands for (same metadata, pod template, replicas and selector): its pod spec meets the same
checks as every other workload's. `qvctl validate` and the tests judge a report the same way:
`policy_problems`.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.common import Manifest
from qvctl.tools import require

CHECKOV_TIMEOUT_SECONDS = 900
# A skip's reason must say why, not just that: "accepted" or "n/a" is not a reason.
MIN_SKIP_REASON_WORDS = 5


@dataclass(frozen=True)
class PolicyFinding:
    check_id: str
    resource: str
    file: str
    name: str

    def __str__(self) -> str:
        return f"{self.file}: {self.resource}: {self.check_id} {self.name}"


@dataclass(frozen=True)
class PolicyReport:
    passed: int
    failed: list[PolicyFinding]
    skipped: list[PolicyFinding]
    skip_reasons: dict[str, str]  # "<check> <resource>" -> the reason written in the manifest
    parsing_errors: list[str]


def rollout_as_deployment(rollout: Manifest) -> Manifest:
    spec = rollout["spec"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": copy.deepcopy(rollout["metadata"]),
        "spec": {
            "replicas": spec.get("replicas"),
            "selector": copy.deepcopy(spec["selector"]),
            "template": copy.deepcopy(spec["template"]),
        },
    }


def _findings(entries: list[dict[str, Any]]) -> list[PolicyFinding]:
    return [
        PolicyFinding(e["check_id"], e["resource"], e.get("file_path", ""), e.get("check_name", "")) for e in entries
    ]


def run_checkov(ctx: Context, directory: Path) -> PolicyReport:
    """One Checkov run over a copy of `directory` that also holds each Rollout as a Deployment.

    (Checkov handles several --directory options by reporting the union twice, so one folder.)
    """
    checkov = require(ctx, "checkov")
    with tempfile.TemporaryDirectory(prefix="qv-checkov-") as scan_dir:
        scan = Path(scan_dir)
        for path in sorted(directory.rglob("*.yaml")):
            target = scan / path.relative_to(directory)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text()
            target.write_text(text)
            docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
            rollouts = [rollout_as_deployment(d) for d in docs if d.get("kind") == "Rollout"]
            if rollouts:
                shadow = target.parent / f"{target.stem}.as-deployment.yaml"
                shadow.write_text(yaml.safe_dump_all(rollouts, sort_keys=True))
        cmd = [checkov, "--skip-download", "--framework", "kubernetes", "--output", "json", "--directory", str(scan)]
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=CHECKOV_TIMEOUT_SECONDS,
                check=False,
                env={**ctx.environ, "BC_SKIP_MAPPING": "TRUE"},
            )
        except subprocess.TimeoutExpired:
            raise QvError(f"checkov did not finish within {CHECKOV_TIMEOUT_SECONDS} s", ExitStatus.FAILED) from None
    try:
        data = json.loads(done.stdout or "null")
    except json.JSONDecodeError:
        raise QvError(
            f"checkov gave no JSON report (exit {done.returncode}): {done.stderr.strip()[-400:]}", ExitStatus.FAILED
        ) from None
    reports = data if isinstance(data, list) else [data]
    passed = 0
    failed: list[PolicyFinding] = []
    skipped: list[PolicyFinding] = []
    reasons: dict[str, str] = {}
    errors: list[str] = []
    for report in reports:
        if not isinstance(report, dict) or "results" not in report:
            continue  # an empty scan prints a bare summary
        results = report["results"]
        passed += report.get("summary", {}).get("passed", 0)
        failed += _findings(results.get("failed_checks", []))
        skipped += _findings(results.get("skipped_checks", []))
        for entry in results.get("skipped_checks", []):
            reasons[f"{entry['check_id']} {entry['resource']}"] = (entry.get("check_result") or {}).get(
                "suppress_comment", ""
            )
        errors += [str(e) for e in results.get("parsing_errors", [])]
    return PolicyReport(passed=passed, failed=failed, skipped=skipped, skip_reasons=reasons, parsing_errors=errors)


def policy_problems(report: PolicyReport) -> list[str]:
    """What fails the policy check: a failed check, a file Checkov could not parse, a skip without a real reason."""
    problems = [f"kubernetes{f.file}: {f.resource}: {f.check_id} {f.name}" for f in report.failed]
    problems += [f"kubernetes/: parsing error: {error}" for error in report.parsing_errors]
    problems += [
        f"kubernetes/: {key}: skipped with the reason {reason!r}; say why in at least {MIN_SKIP_REASON_WORDS} words"
        for key, reason in report.skip_reasons.items()
        if len(reason.split()) < MIN_SKIP_REASON_WORDS
    ]
    return problems


def kubernetes_policy_problems(ctx: Context) -> list[str]:
    """Checkov over the committed kubernetes/ folder, Rollouts included as Deployments."""
    return policy_problems(run_checkov(ctx, ctx.root / "kubernetes"))
