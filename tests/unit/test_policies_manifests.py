"""The manifest policies over files: one report per file, objects named as kubectl names them, no literal secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from qvctl.policies.run import manifest_verdicts
from qvctl.policies.secrets import check_manifest
from qvctl.policies.violation import Verdicts

RULE = "secrets/none-in-manifests"
CARRIES_DATA = "carries data in a committed manifest; deliver it with an ExternalSecret from Secrets Manager"


def _secret(name: str, **data: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", **data}


def test_each_manifest_file_has_its_own_report_named_from_the_root(tmp_path: Path) -> None:
    folder = tmp_path / "kubernetes" / "dev"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text(yaml.safe_dump_all([_secret("one", data={"k": "dg=="}), _secret("empty")]))
    (folder / "b.yaml").write_text(yaml.safe_dump(_secret("two", stringData={"k": "v"})))
    reports = manifest_verdicts(tmp_path)
    assert [(r.file, [str(v) for v in r.violations]) for r in reports] == [
        ("kubernetes/dev/a.yaml", [f"kubernetes/dev/a.yaml: Secret one: [{RULE}] {CARRIES_DATA}"]),
        ("kubernetes/dev/b.yaml", [f"kubernetes/dev/b.yaml: Secret two: [{RULE}] {CARRIES_DATA}"]),
    ]


def test_a_manifest_outside_the_root_is_named_by_its_whole_path(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(yaml.safe_dump(_secret("one")))
    (report,) = manifest_verdicts(tmp_path / "repository", [elsewhere])
    assert report.file == str(elsewhere)


def _env(*entries: dict[str, Any]) -> dict[str, Any]:
    container = {"name": "api", "env": list(entries)}
    return {
        "kind": "Deployment",
        "metadata": {"name": "api"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }


def test_a_credential_variable_may_name_a_file_or_come_from_a_secret_but_not_hold_the_value() -> None:
    verdicts = Verdicts("api.yaml")
    check_manifest(
        _env(
            {"name": "QV_DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "QV_API_TOKEN", "value": ""},
            {"name": "QV_REDIS_PASSWORD", "value": "/run/secrets/redis/password"},
            {"name": "QV_SIGNING_KEY_PATH", "value": "signing.pem"},
            {"name": "QV_DB_PASSWORD", "value": "literal"},  # pragma: allowlist secret
        ),
        verdicts,
    )
    assert [str(v) for v in verdicts.violations] == [
        f"api.yaml: Deployment api: [{RULE}] env QV_DB_PASSWORD holds a literal credential; mount it from a Secret "
        "and pass its file path"
    ]
