"""Secrets: nothing secret in a rendered manifest, nothing new and unreviewed in the repository.

Manifests: a Secret carries no data (values come from Secrets Manager through External
Secrets), and no container environment variable holds a literal credential: a
credential-named variable (password, token, secret, key...) points at a mounted file
instead, and no literal value is recognised by detect-secrets' pattern detectors
(AWS keys, private keys, JWTs, ...; its entropy heuristics are left out, they flag every path).

Repository: detect-secrets scans every tracked file; a finding must be in the reviewed
baseline `.secrets.baseline` (matched by file, type and hash, not line), and every baseline
entry must be audited as not a secret (`is_secret: false`).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from detect_secrets.core import baseline
from detect_secrets.core.scan import scan_line
from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.settings import default_settings

from qvctl.policies.manifests import name_of
from qvctl.policies.violation import Verdicts

BASELINE = Path(".secrets.baseline")
MANIFEST_RULE = "secrets/none-in-manifests"
REPOSITORY_RULE = "secrets/repository-scan"
_CREDENTIAL_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", re.I)
_REFERENCE_NAME = re.compile(r"_(FILE|PATH|DIR|NAME|ARN|ID)$", re.I)
# detect-secrets keeps its plugins and filters in one global setting, which both scans replace while
# they run: qvctl validate runs them in threads side by side, so they take turns (a repository scan
# lost its filters to a manifest check once: KeyError 'detect_secrets.filters.common.is_baseline_file').
_DETECT_SECRETS = threading.Lock()


def _env_entries(node: object) -> Iterator[Mapping[str, Any]]:
    """Every `env:` entry anywhere in a document (Deployments, Rollouts, Jobs, CronJobs, Pods alike)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "env" and isinstance(value, list):
                yield from (e for e in value if isinstance(e, Mapping))
            else:
                yield from _env_entries(value)
    elif isinstance(node, list):
        for item in node:
            yield from _env_entries(item)


def _recognised(value: str) -> list[str]:
    with _DETECT_SECRETS, default_settings():
        return sorted({s.type for s in scan_line(value) if "High Entropy" not in s.type})


def check_manifest(document: Mapping[str, Any], verdicts: Verdicts) -> None:
    with verdicts.judging(name_of(document), MANIFEST_RULE) as fail:
        if document.get("kind") == "Secret" and (document.get("data") or document.get("stringData")):
            fail("carries data in a committed manifest; deliver it with an ExternalSecret from Secrets Manager")
        for entry in _env_entries(document):
            name, value = str(entry.get("name")), entry.get("value")
            if not isinstance(value, str) or not value:
                continue
            if _CREDENTIAL_NAME.search(name) and not _REFERENCE_NAME.search(name) and not value.startswith("/"):
                fail(f"env {name} holds a literal credential; mount it from a Secret and pass its file path")
            for kind in _recognised(value):
                fail(f"env {name} holds what detect-secrets recognises as a {kind}")


def _tracked_files(root: Path) -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, timeout=60, check=True)
    return [f for f in done.stdout.split("\0") if f and (root / f).is_file()]


def scan_repository(root: Path, files: list[str] | None = None) -> Verdicts:
    """New findings against the reviewed baseline, and baseline entries nobody audited."""
    with _DETECT_SECRETS:
        return _scan_repository(root, files)


def _scan_repository(root: Path, files: list[str] | None) -> Verdicts:
    verdicts = Verdicts(str(BASELINE))
    if not (root / BASELINE).is_file():
        with verdicts.judging(str(BASELINE), REPOSITORY_RULE) as fail:
            fail("the reviewed baseline is missing; create it with `detect-secrets scan > .secrets.baseline`")
        return verdicts
    # load() configures detect-secrets' plugins and filters from the baseline itself. No filename: given one,
    # load() replaces the baseline's own is_baseline_file filter with that path, which the filter (comparing
    # base names) never matches.
    reviewed = baseline.load(baseline.load_from_file(str(root / BASELINE)))
    for filename, secret in reviewed:
        with verdicts.judging(f"{filename}:{secret.line_number}", REPOSITORY_RULE) as fail:
            if secret.is_secret is not False:
                fail(
                    f"baseline entry ({secret.type}) is not audited as a false positive: review it "
                    "(`detect-secrets audit .secrets.baseline`) and remove the secret if it is one"
                )
    known = {(filename, secret.secret_hash, secret.type) for filename, secret in reviewed}
    found = SecretsCollection(root=str(root))
    # One process: validate already runs checks in threads, and the scan takes seconds.
    for filename in files if files is not None else _tracked_files(root):
        if filename != str(BASELINE):  # it holds the hashes of reviewed findings, as the CLI's own filter knows
            found.scan_file(filename)
    for _, secret in found:
        # The scan names files under the root it was given; the baseline names them from the repository root.
        filename = os.path.relpath(secret.filename, root)
        if (filename, secret.secret_hash, secret.type) in known:
            continue
        report = Verdicts(filename)
        with report.judging(f"line {secret.line_number}", REPOSITORY_RULE) as fail:
            fail(
                f"{secret.type} not in the reviewed baseline {BASELINE}: remove it, or audit it into the baseline "
                "if it is no secret"
            )
        verdicts.violations += report.violations
    return verdicts
