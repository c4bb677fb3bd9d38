"""The Secrets Manager names Terraform's secrets module creates, read with an HCL parser (python-hcl2).

Every `resource "aws_secretsmanager_secret"` of `terraform/modules/secrets/*.tf` counts, with its
`name` resolved by contract.terraform's Resolver, and for a `for_each = local.<map>` resource
`${each.key}` / `${each.value.<field>}` per entry of that map. Anything else is a ContractMissing
naming what could not be followed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qvctl.contract.errors import ContractMissing
from qvctl.contract.terraform import TERRAFORM_ROOT, Resolver, _labelled, _parse, _unquote, literal

SECRETS_MODULE = TERRAFORM_ROOT / "modules" / "secrets"
_FOR_EACH_LOCAL = re.compile(r"\$\{local\.([A-Za-z_][A-Za-z0-9_]*)\}")


class _Module(Resolver):
    def __init__(self, root: Path, spec: Mapping[str, Any]) -> None:
        files = sorted((root / SECRETS_MODULE).glob("*.tf"))
        if not files:
            raise ContractMissing(f"{SECRETS_MODULE}/ has no .tf files: cannot tell which secrets Terraform manages")
        self.parsed = [_parse(root, path) for path in files]
        super().__init__(SECRETS_MODULE, self.parsed, spec)

    def scopes(self, for_each: object) -> list[dict[str, object]]:
        """One scope per instance: none for a single resource, each.key/each.value.* per map entry."""
        if for_each is None:
            return [{}]
        match = _FOR_EACH_LOCAL.fullmatch(str(for_each))
        entries = self.locals.get(match.group(1)) if match else None
        if not isinstance(entries, dict):
            raise ContractMissing(f"for_each {for_each!r} in {SECRETS_MODULE}/ is not a literal local map")
        scopes: list[dict[str, object]] = []
        for key, entry in entries.items():
            scope: dict[str, object] = {"each.key": literal(_unquote(key))}
            if isinstance(entry, dict):
                scope.update({f"each.value.{k}": v for k, v in entry.items() if isinstance(v, str)})
            scopes.append(scope)
        return scopes


def managed_secret_names(root: Path, spec: Mapping[str, Any]) -> set[str]:
    """Every secret name the secrets module creates for the environment `spec` describes."""
    module = _Module(root, spec)
    names: set[str] = set()
    for parsed in module.parsed:
        for resource_type, body in _labelled(parsed.get("resource")):
            if resource_type != "aws_secretsmanager_secret":
                continue
            for label, resource in body.items():
                if not isinstance(resource, dict) or "name" not in resource:
                    raise ContractMissing(
                        f"aws_secretsmanager_secret {_unquote(label)} in {SECRETS_MODULE}/ has no name"
                    )
                for scope in module.scopes(resource.get("for_each")):
                    names.add(module.text(resource["name"], scope))
    if not names:
        raise ContractMissing(f'no resource "aws_secretsmanager_secret" in {SECRETS_MODULE}/*.tf')
    return names
