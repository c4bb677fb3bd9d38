"""The policies over the repository itself: committed manifests, the Patroni template, the secrets scan.

The scan's own mechanics run on a small git repository made here; the whole repository's scan
is `qvctl validate`'s "secrets scan" check (tests/integration/test_secrets_scan.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from qvctl.policies.run import host_verdicts, manifest_verdicts
from qvctl.policies.secrets import scan_repository
from tests.conftest import ROOT

# Built at run time, so no file of the repository holds a private key header.
FAKE_KEY_LINE = "-----BEGIN " + " ".join(("RSA", "PRIVATE", "KEY")) + "-----\n"


def test_the_committed_manifests_and_the_patroni_template_hold_every_policy() -> None:
    reports = [*manifest_verdicts(ROOT), *host_verdicts(ROOT)]
    assert [str(v) for r in reports for v in r.violations] == []
    judged = {
        rule: sum(r.judged[rule] for r in reports)
        for rule in (
            "encryption-in-transit/ingress-https-only",
            "secrets/none-in-manifests",
            "encryption-in-transit/pg-hba-hostssl-only",
        )
    }
    # dev, staging and prod each render an Ingress; pg_hba has more than one network line.
    assert judged["encryption-in-transit/ingress-https-only"] >= 3 and all(judged.values()), judged


def _repository(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "deploy.pem").write_text(FAKE_KEY_LINE)
    (tmp_path / "README.md").write_text("nothing to see\n")
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    return tmp_path


def _baseline(repo: Path, audited: bool | None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan"], cwd=repo, capture_output=True, text=True, check=True
    )
    baseline = json.loads(done.stdout)
    for entries in baseline["results"].values():
        for entry in entries:
            if audited is not None:
                entry["is_secret"] = not audited
    (repo / ".secrets.baseline").write_text(json.dumps(baseline))


def test_a_secret_outside_the_baseline_is_named_by_file_line_and_rule(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    (repo / ".secrets.baseline").write_text(
        json.dumps(
            {"version": "1.5.0", "plugins_used": [{"name": "PrivateKeyDetector"}], "filters_used": [], "results": {}}
        )
    )
    found = scan_repository(repo, ["deploy.pem", "README.md"])
    assert [str(v) for v in found.violations] == [
        "deploy.pem: line 1: [secrets/repository-scan] Private Key not in the reviewed baseline .secrets.baseline: "
        "remove it, or audit it into the baseline if it is no secret"
    ]


def test_a_reviewed_false_positive_passes_and_an_unreviewed_one_fails(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    _baseline(repo, audited=True)
    assert scan_repository(repo).violations == []
    _baseline(repo, audited=None)
    (unaudited,) = scan_repository(repo).violations
    assert (unaudited.file, unaudited.resource, unaudited.rule) == (
        ".secrets.baseline",
        "deploy.pem:1",
        "secrets/repository-scan",
    )
    assert "is not audited as a false positive" in unaudited.message


def test_a_missing_baseline_fails(tmp_path: Path) -> None:
    (missing,) = scan_repository(_repository(tmp_path)).violations
    assert "the reviewed baseline is missing" in str(missing)
