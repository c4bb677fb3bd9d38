"""The policies as `qvctl validate` checks: one line per problem, over a small repository made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from qvctl.context import Context
from qvctl.policies import checks
from tests.unit.policy_plans import change

INGRESS = """\
# Réseau : l'entrée publique (a non-ASCII comment, read whatever the locale)
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: qv}
spec:
  rules: [{host: a.example.com}]
  tls: [{hosts: [a.example.com]}]
"""
PATRONI = """\
postgresql:
  # réseau privé
  pg_hba:
    - local all all peer
    - host all all 10.0.0.0/8 scram-sha-256
"""


def _repository(root: Path) -> Context:
    (root / "kubernetes" / "dev").mkdir(parents=True)
    (root / "kubernetes" / "dev" / "ingress.yaml").write_text(INGRESS, encoding="utf-8")
    template = root / "ansible" / "roles" / "patroni" / "templates" / "patroni.yml.j2"
    template.parent.mkdir(parents=True)
    template.write_text(PATRONI, encoding="utf-8")
    return Context(root=root, environ={})


MANIFEST_AND_HOST_PROBLEMS = [
    "kubernetes/dev/ingress.yaml: Ingress qv/api: [encryption-in-transit/ingress-https-only] does not force HTTPS: "
    "set the annotation nginx.ingress.kubernetes.io/force-ssl-redirect: 'true'",
    "ansible/roles/patroni/templates/patroni.yml.j2: pg_hba line 5: [encryption-in-transit/pg-hba-hostssl-only] "
    "entry type 'host' accepts connections without TLS; use hostssl",
]


def test_the_manifest_and_host_check_reports_every_violation_of_both(tmp_path: Path) -> None:
    assert checks.manifests_and_hosts(_repository(tmp_path)) == MANIFEST_AND_HOST_PROBLEMS


def test_the_secrets_check_reports_the_scan_s_violations(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert checks.secrets_scan(Context(root=tmp_path, environ={})) == [
        ".secrets.baseline: .secrets.baseline: [secrets/repository-scan] the reviewed baseline is missing; create "
        "it with `detect-secrets scan > .secrets.baseline`"
    ]


def _plan_file(path: Path, *changes: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"resource_changes": list(changes)}, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_plan_check_reports_unreadable_plans_violations_and_a_sample_of_undecided_judgements(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    violating = _plan_file(tmp_path / "violating.json", change("aws_ebs_volume.data", {"encrypted": False}))
    undecided = _plan_file(
        tmp_path / "undecided.json",
        *(change(f"aws_cloudwatch_log_group.g{n}", {"name": f"g{n}"}, {"kms_key_id": True}) for n in range(6)),
    )
    problems = checks.terraform_plans([broken, violating, undecided])(Context(root=tmp_path, environ={}))
    assert problems == [
        f"{broken}: no resource_changes; give `terraform show -json` of a saved plan",
        f"{violating}: aws_ebs_volume.data: [encryption-at-rest/customer-managed-key] is not encrypted",
        f"{undecided}: 6 judgements undecided (values known only after apply); plan against the applied environment "
        "to decide them, e.g.:",
        *(
            f"  {undecided}: aws_cloudwatch_log_group.g{n}: [encryption-at-rest/customer-managed-key] undecided: "
            "kms_key_id is known only after apply"
            for n in range(5)
        ),
    ]


def test_the_policies_read_their_files_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    ctx = _repository(tmp_path)
    plan = _plan_file(
        tmp_path / "plan.json", change("aws_ebs_volume.data", {"encrypted": False, "tags": {"Name": "données"}})
    )
    here = checks.manifests_and_hosts(ctx) + checks.terraform_plans([plan])(ctx)
    # The same checks in a process whose locale reads files as ASCII (C locale, no UTF-8 mode).
    code = (
        "import json, sys; from pathlib import Path; from qvctl.context import Context; "
        "from qvctl.policies import checks; ctx = Context(root=Path(sys.argv[1]), environ={}); "
        "print(json.dumps(checks.manifests_and_hosts(ctx) + checks.terraform_plans([Path(sys.argv[2])])(ctx)))"
    )
    ascii_locale = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    env = os.environ | ascii_locale | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), str(plan)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (
        json.loads(done.stdout)
        == here
        == [
            *MANIFEST_AND_HOST_PROBLEMS,
            f"{plan}: aws_ebs_volume.data: [encryption-at-rest/customer-managed-key] is not encrypted",
        ]
    )
