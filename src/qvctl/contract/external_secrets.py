"""ExternalSecrets against Terraform: each reads a secret Terraform creates, and each store's role reads no more.

- every `remoteRef.key` of a rendered ExternalSecret is a secret the secrets module creates
  (otherwise the operator never syncs it and the pod never starts);
- each store authenticates as a service account whose IAM role Terraform trusts in that
  account's namespace (`local.service_accounts`), and that role covers exactly the keys the
  ExternalSecrets of that store read (`local.external_secret_paths[<account>]`, which its
  policy is built from): one it lacks fails the sync, one no ExternalSecret of the store needs
  is a secret readable from that namespace for nothing (the database password from the
  logging namespace, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qvctl.contract.errors import ContractMissing
from qvctl.contract.manifests import Key, objects, where
from qvctl.contract.problem import Problem
from qvctl.contract.terraform import TERRAFORM_ROOT, IrsaReader, _unquote
from qvctl.contract.terraform_secrets import SECRETS_MODULE, managed_secret_names
from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe

CHECK = "external-secrets"
READABLE_LOCAL = "external_secret_paths"
STORE_KINDS = ("ClusterSecretStore", "SecretStore")


@dataclass(frozen=True)
class StoreAccount:
    """The service account a store requests its AWS token for."""

    store: str  # Kind/namespace/name of the store, for messages
    namespace: str | None
    name: str


def _readable_paths(reader: IrsaReader) -> dict[str, list[str]]:
    raw = reader.locals.get(READABLE_LOCAL)
    # A map value holds only the keys written in it (python-hcl2 marks block bodies, not maps, with __is_block__).
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise ContractMissing(
            f"local.{READABLE_LOCAL} in {TERRAFORM_ROOT}/*.tf is missing or not a literal map "
            "of service account => list of paths"
        )
    return {_unquote(k): [reader.text(item) for item in v] for k, v in raw.items()}


def _store_accounts(rendered: Rendered) -> dict[tuple[str, Key], StoreAccount]:
    """(kind, (namespace, name)) of each rendered store => the account it authenticates as.

    A namespaced SecretStore's account is always in the store's own namespace."""
    found: dict[tuple[str, Key], StoreAccount] = {}
    for _, obj in objects(rendered):
        if obj["kind"] not in STORE_KINDS:
            continue
        ns = obj["metadata"].get("namespace")
        ref = obj["spec"]["provider"].get("aws", {}).get("auth", {}).get("jwt", {}).get("serviceAccountRef")
        if ref:
            account_ns = ns if obj["kind"] == "SecretStore" else ref.get("namespace")
            found[(obj["kind"], (ns, obj["metadata"]["name"]))] = StoreAccount(describe(obj), account_ns, ref["name"])
    return found


def _store_of(obj: Manifest) -> tuple[str, Key]:
    ref = obj["spec"]["secretStoreRef"]
    kind = ref.get("kind", "SecretStore")
    return kind, (obj["metadata"].get("namespace") if kind == "SecretStore" else None, ref["name"])


def check_external_secrets_terraform(root: Path, rendered: Rendered) -> list[Problem]:
    env = rendered.env
    spec = env.model_dump(mode="json")
    terraform = f"{TERRAFORM_ROOT}/"
    try:
        managed = managed_secret_names(root, spec)
        reader = IrsaReader(root, spec)
        readable = {
            account: {naming.secret_name(env, path) for path in paths}
            for account, paths in _readable_paths(reader).items()
        }
        trusted = reader.service_account_namespaces()
    except ContractMissing as err:
        return [Problem(CHECK, terraform, str(err))]
    problems: list[Problem] = []
    stores = _store_accounts(rendered)
    wanted: dict[str, set[str]] = {}
    for file, obj in objects(rendered):
        if obj["kind"] != "ExternalSecret":
            continue
        account = stores.get(_store_of(obj))  # None: an unrendered store, which check_references reports
        for item in obj["spec"].get("data", []):
            key = item["remoteRef"]["key"]
            if account is not None:
                wanted.setdefault(account.name, set()).add(key)
            if key not in managed:
                problems.append(
                    Problem(
                        CHECK,
                        where(rendered, file),
                        f"{describe(obj)}: reads {key!r}, which Terraform does not create ({SECRETS_MODULE}/)",
                    )
                )
    for account in sorted(set(stores.values()), key=lambda a: a.store):
        if account.name in trusted and trusted[account.name] != account.namespace:
            problems.append(
                Problem(
                    CHECK,
                    terraform,
                    f"{account.store} authenticates as {account.namespace}/{account.name}, but Terraform's role "
                    f"for {account.name!r} trusts namespace {trusted[account.name]!r} (local.service_accounts)",
                )
            )
    for name in sorted(set(wanted) | set(readable)):
        local = f'local.{READABLE_LOCAL}["{name}"]'
        for key in sorted(wanted.get(name, set()) - readable.get(name, set())):
            problems.append(
                Problem(
                    CHECK,
                    terraform,
                    f"the External Secrets role of {name!r} cannot read {key!r}, which an ExternalSecret "
                    f"of its store needs ({local})",
                )
            )
        for key in sorted(readable.get(name, set()) - wanted.get(name, set())):
            problems.append(
                Problem(
                    CHECK,
                    terraform,
                    f"the External Secrets role of {name!r} may read {key!r}, which no ExternalSecret "
                    f"of its store needs ({local})",
                )
            )
    return problems
