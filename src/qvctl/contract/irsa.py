"""IRSA: ServiceAccounts carry the role ARN of the naming, and Terraform names and trusts each role the same way."""

from __future__ import annotations

from pathlib import Path

from qvctl.contract.errors import ContractMissing
from qvctl.contract.manifests import index
from qvctl.contract.problem import Problem
from qvctl.contract.terraform import TERRAFORM_ROOT, IrsaReader
from qvctl.kubernetes import naming
from qvctl.kubernetes.render import Rendered
from qvctl.spec import Environment


def check_irsa_annotations(rendered: Rendered) -> list[Problem]:
    env = rendered.env
    problems: list[Problem] = []
    accounts = index(rendered, "ServiceAccount")
    for account in naming.IRSA_SERVICE_ACCOUNTS:
        key = (naming.service_account_namespace(env, account), account)
        obj = accounts.get(key)
        if obj is None:
            problems.append(Problem("irsa", f"kubernetes/{env.name}/", f"no ServiceAccount {key[0]}/{account}"))
            continue
        arn = obj["metadata"].get("annotations", {}).get("eks.amazonaws.com/role-arn")
        if arn != naming.irsa_role_arn(env, account):
            problems.append(
                Problem(
                    "irsa",
                    f"kubernetes/{env.name}/",
                    f"ServiceAccount {key[0]}/{account} has role "
                    f"{arn!r}, expected {naming.irsa_role_arn(env, account)!r}",
                )
            )
    return problems


def check_irsa_terraform(root: Path, env: Environment) -> list[Problem]:
    """Terraform must name each IRSA role as the ServiceAccount annotation does, and trust its namespace."""
    where = f"{TERRAFORM_ROOT}/"
    try:
        reader = IrsaReader(root, env.model_dump(mode="json"))
        names = reader.role_names()
        namespaces = reader.service_account_namespaces()
    except ContractMissing as err:
        return [Problem("irsa", where, str(err))]
    problems: list[Problem] = []
    for account in naming.IRSA_SERVICE_ACCOUNTS:
        expected_name = naming.irsa_role_name(env, account)
        expected_ns = naming.service_account_namespace(env, account)
        if account not in names:
            problems.append(Problem("irsa", where, f"service account {account!r} has no IRSA role in Terraform"))
        elif names[account] != expected_name:
            problems.append(
                Problem(
                    "irsa",
                    where,
                    f"Terraform names the role of {account!r} {names[account]!r}, "
                    f"the ServiceAccount expects {expected_name!r}",
                )
            )
        elif namespaces[account] != expected_ns:
            problems.append(
                Problem(
                    "irsa",
                    where,
                    f"Terraform's role for {account!r} trusts namespace {namespaces[account]!r}, "
                    f"the ServiceAccount is in {expected_ns!r}",
                )
            )
    return problems
