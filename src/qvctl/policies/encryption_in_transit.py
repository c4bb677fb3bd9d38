"""Encryption in transit, wherever the repository decides it.

- Terraform plan: every S3 bucket has a policy that denies any request without TLS
  (Deny, Principal *, Action s3:*, on the bucket and its objects, Bool aws:SecureTransport false).
- Rendered manifests: every Ingress terminates TLS for each host it names and forces the
  redirect from HTTP (`nginx.ingress.kubernetes.io/force-ssl-redirect: "true"`).
- Ansible: every network line of PostgreSQL's pg_hba (the Patroni template) is `hostssl`;
  only `local` (unix socket) lines may be anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qvctl.policies.iam import as_list, statements
from qvctl.policies.manifests import name_of
from qvctl.policies.plan import Plan, Resource
from qvctl.policies.violation import Verdicts

PG_HBA_TEMPLATE = Path("ansible/roles/patroni/templates/patroni.yml.j2")
PG_HBA_RULE = "encryption-in-transit/pg-hba-hostssl-only"
FORCE_SSL_REDIRECT = "nginx.ingress.kubernetes.io/force-ssl-redirect"


def _denies_plain_http(statement: Mapping[str, Any], bucket_arn: str) -> bool:
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, Mapping) and as_list(principal.get("AWS")) == ["*"])
    secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
    resources = set(as_list(statement.get("Resource")))
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and bool({"s3:*", "*"} & set(as_list(statement.get("Action"))))
        and [str(v).lower() for v in as_list(secure)] == ["false"]
        and {bucket_arn, f"{bucket_arn}/*"} <= resources
    )


def _bucket(plan: Plan, bucket: Resource, verdicts: Verdicts) -> None:
    with verdicts.judging(bucket.address, "encryption-in-transit/bucket-denies-plain-http") as fail:
        policies = plan.matching(["aws_s3_bucket_policy"], "bucket", [bucket.get("id"), bucket.get("bucket")])
        arn = str(bucket.get("arn"))
        if not any(_denies_plain_http(s, arn) for p in policies for s in statements(p.get("policy"))):
            fail(
                "has no bucket policy denying requests without TLS (Deny s3:* on the bucket and its objects "
                "when aws:SecureTransport is false)"
            )


def check_plan(plan: Plan, verdicts: Verdicts) -> None:
    for bucket in plan.of_type("aws_s3_bucket"):
        _bucket(plan, bucket, verdicts)


def check_ingress(document: Mapping[str, Any], verdicts: Verdicts) -> None:
    if document.get("kind") != "Ingress":
        return
    with verdicts.judging(name_of(document), "encryption-in-transit/ingress-https-only") as fail:
        annotations = (document.get("metadata") or {}).get("annotations") or {}
        if str(annotations.get(FORCE_SSL_REDIRECT)).lower() != "true":
            fail(f"does not force HTTPS: set the annotation {FORCE_SSL_REDIRECT}: 'true'")
        spec = document.get("spec") or {}
        tls = spec.get("tls") or []
        if not tls:
            fail("has no spec.tls: it would serve plain HTTP")
        covered = {h for entry in tls for h in entry.get("hosts") or []}
        for host in sorted({r["host"] for r in spec.get("rules") or [] if r.get("host")} - covered):
            fail(f"serves {host} without a spec.tls entry for it")


_HBA_KEY = re.compile(r"^(\s*)pg_hba:\s*$")


def check_pg_hba(root: Path, template: Path = PG_HBA_TEMPLATE) -> Verdicts:
    """Every `- <type> ...` item under `pg_hba:` is local or hostssl (Jinja and comment lines skipped)."""
    verdicts = Verdicts(str(template))
    lines = (root / template).read_text(encoding="utf-8").splitlines()
    found = [(i, m) for i, line in enumerate(lines) if (m := _HBA_KEY.match(line))]
    if not found:
        with verdicts.judging("pg_hba", PG_HBA_RULE) as fail:
            fail("no pg_hba: key found; PostgreSQL would fall back to its packaged pg_hba.conf")
        return verdicts
    start, key = found[0]
    for number, line in enumerate(lines[start + 1 :], start + 2):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "{%", "{#")):
            continue
        if len(line) - len(line.lstrip()) <= len(key.group(1)):
            break  # the next key of the same mapping: the list has ended
        entry_type = stripped.removeprefix("- ").split()[0]
        with verdicts.judging(f"pg_hba line {number}", PG_HBA_RULE) as fail:
            if entry_type not in ("local", "hostssl"):
                fail(f"entry type {entry_type!r} accepts connections without TLS; use hostssl")
    return verdicts
