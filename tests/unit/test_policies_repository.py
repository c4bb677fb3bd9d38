"""The policies over the repository itself: committed manifests, the Patroni template, the secrets scan.

The scan's own mechanics run on a small git repository made here; the whole repository's scan
is `qvctl validate`'s "secrets scan" check (tests/integration/test_secrets_scan.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from detect_secrets.core import baseline
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import default_settings

from qvctl.policies.run import host_verdicts, manifest_verdicts
from qvctl.policies.secrets import scan_repository
from qvctl.policies.violation import Verdicts
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


def _baseline(repo: Path, *reviewed: str, is_secret: bool | None = False) -> None:
    """The baseline `detect-secrets scan` would write for these files, audited as is_secret, and tracked."""
    with default_settings():
        found = SecretsCollection(root=str(repo))
        for name in reviewed:
            found.scan_file(name)
        document = baseline.format_for_output(found)
    for entries in document["results"].values():
        for entry in entries:
            if is_secret is not None:
                entry["is_secret"] = is_secret
    (repo / ".secrets.baseline").write_text(json.dumps(document, indent=2))
    subprocess.run(["git", "add", ".secrets.baseline"], cwd=repo, check=True)


def _lines(verdicts: Verdicts) -> list[str]:
    return [str(v) for v in verdicts.violations]


def _new_finding(file: str) -> str:
    return (
        f"{file}: line 1: [secrets/repository-scan] Private Key not in the reviewed baseline .secrets.baseline: "
        "remove it, or audit it into the baseline if it is no secret"
    )


def test_a_secret_outside_the_baseline_is_named_by_file_line_and_rule(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    (repo / ".secrets.baseline").write_text(
        json.dumps(
            {"version": "1.5.0", "plugins_used": [{"name": "PrivateKeyDetector"}], "filters_used": [], "results": {}}
        )
    )
    found = scan_repository(repo, ["deploy.pem", "README.md"])
    assert found.file == ".secrets.baseline"
    assert _lines(found) == [_new_finding("deploy.pem")]
    # Only the files named are scanned.
    assert scan_repository(repo, ["README.md"]).violations == []


def test_every_new_finding_is_reported_past_the_reviewed_ones(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    _baseline(repo, "deploy.pem")
    for name in ("later.pem", "last.pem"):
        (repo / name).write_text(FAKE_KEY_LINE)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    # The baseline itself is tracked and holds hashes a scan would flag: it is left out of the scan.
    assert _lines(scan_repository(repo)) == [_new_finding("last.pem"), _new_finding("later.pem")]


def test_the_scan_reads_the_tracked_files_that_exist(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    _baseline(repo)
    (repo / "untracked.pem").write_text(FAKE_KEY_LINE)
    (repo / "removed.pem").write_text(FAKE_KEY_LINE)
    subprocess.run(["git", "add", "removed.pem"], cwd=repo, check=True)
    (repo / "removed.pem").unlink()
    assert _lines(scan_repository(repo)) == [_new_finding("deploy.pem")]


def test_a_folder_outside_git_fails_rather_than_scanning_nothing(tmp_path: Path) -> None:
    (tmp_path / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0", "plugins_used": [], "results": {}}))
    with pytest.raises(subprocess.CalledProcessError):
        scan_repository(tmp_path)


def test_a_reviewed_false_positive_passes_and_an_unreviewed_or_real_one_fails(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    _baseline(repo, "deploy.pem", is_secret=False)
    assert scan_repository(repo).violations == []
    for is_secret in (None, True):
        _baseline(repo, "deploy.pem", is_secret=is_secret)
        assert _lines(scan_repository(repo)) == [
            ".secrets.baseline: deploy.pem:1: [secrets/repository-scan] baseline entry (Private Key) is not audited "
            "as a false positive: review it (`detect-secrets audit .secrets.baseline`) and remove the secret if it "
            "is one"
        ]


def test_a_missing_baseline_fails(tmp_path: Path) -> None:
    assert _lines(scan_repository(_repository(tmp_path))) == [
        ".secrets.baseline: .secrets.baseline: [secrets/repository-scan] the reviewed baseline is missing; create "
        "it with `detect-secrets scan > .secrets.baseline`"
    ]
