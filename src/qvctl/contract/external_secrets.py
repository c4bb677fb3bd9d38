"""ExternalSecrets against Terraform: each reads a secret Terraform creates, and the operator's role reads no more.

- every `remoteRef.key` of a rendered ExternalSecret is a secret the secrets module creates
  (otherwise the operator never syncs it and the pod never starts);
- the External Secrets IAM role (`local.external_secret_paths` of the root module, which its
  policy is built from) covers exactly those keys: one it lacks fails the sync, one no
  ExternalSecret needs is a secret readable from the cluster for nothing (the superuser's, say).
"""

from __future__ import annotations

from pathlib import Path

from qvctl.contract.errors import ContractMissing
from qvctl.contract.manifests import objects, where
from qvctl.contract.problem import Problem
from qvctl.contract.terraform import TERRAFORM_ROOT, IrsaReader
from qvctl.contract.terraform_secrets import SECRETS_MODULE, managed_secret_names
from qvctl.kubernetes import naming
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe

CHECK = "external-secrets"
READABLE_LOCAL = "external_secret_paths"


def _readable_paths(reader: IrsaReader) -> list[str]:
    raw = reader.locals.get(READABLE_LOCAL)
    if not isinstance(raw, list):
        raise ContractMissing(f"local.{READABLE_LOCAL} in {TERRAFORM_ROOT}/*.tf is missing or not a literal list")
    return [reader.text(item) for item in raw]


def check_external_secrets_terraform(root: Path, rendered: Rendered) -> list[Problem]:
    env = rendered.env
    spec = env.model_dump(mode="json")
    try:
        managed = managed_secret_names(root, spec)
        readable = {naming.secret_name(env, path) for path in _readable_paths(IrsaReader(root, spec))}
    except ContractMissing as err:
        return [Problem(CHECK, f"{TERRAFORM_ROOT}/", str(err))]
    problems: list[Problem] = []
    wanted: set[str] = set()
    for file, obj in objects(rendered):
        if obj["kind"] != "ExternalSecret":
            continue
        for item in obj["spec"].get("data", []):
            key = item["remoteRef"]["key"]
            wanted.add(key)
            if key not in managed:
                problems.append(
                    Problem(
                        CHECK,
                        where(rendered, file),
                        f"{describe(obj)}: reads {key!r}, which Terraform does not create ({SECRETS_MODULE}/)",
                    )
                )
    for key in sorted(wanted - readable):
        problems.append(
            Problem(
                CHECK,
                f"{TERRAFORM_ROOT}/",
                f"the External Secrets role cannot read {key!r}, which an ExternalSecret needs "
                f"(local.{READABLE_LOCAL})",
            )
        )
    for key in sorted(readable - wanted):
        problems.append(
            Problem(
                CHECK,
                f"{TERRAFORM_ROOT}/",
                f"the External Secrets role may read {key!r}, which no ExternalSecret needs (local.{READABLE_LOCAL})",
            )
        )
    return problems
