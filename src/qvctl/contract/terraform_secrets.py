"""The Secrets Manager names Terraform's secrets module creates, read with an HCL parser (python-hcl2).

Every `resource "aws_secretsmanager_secret"` of `terraform/modules/secrets/*.tf` counts, with its
`name` resolved the way Terraform would: `${local.x}` from the module's own locals,
`${var.project}` and `${var.environment}` from the spec (the root passes exactly those), and for a
`for_each = local.<map>` resource `${each.key}` / `${each.value.<field>}` per entry of that map.
Anything else is a ContractMissing naming what could not be followed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qvctl.contract.errors import ContractMissing
from qvctl.contract.terraform import TERRAFORM_ROOT, _labelled, _parse, _unquote

SECRETS_MODULE = TERRAFORM_ROOT / "modules" / "secrets"
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
_FOR_EACH_LOCAL = re.compile(r"\$\{local\.([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_DEPTH = 10


class _Module:
    def __init__(self, root: Path, spec: Mapping[str, Any]) -> None:
        files = sorted((root / SECRETS_MODULE).glob("*.tf"))
        if not files:
            raise ContractMissing(f"{SECRETS_MODULE}/ has no .tf files: cannot tell which secrets Terraform manages")
        self.parsed = [_parse(root, path) for path in files]
        self.locals: dict[str, object] = {}
        for parsed in self.parsed:
            for block in parsed.get("locals", []):
                self.locals.update({k: v for k, v in block.items() if not k.startswith("__")})
        self.variables = {"var.project": str(spec["project"]), "var.environment": str(spec["name"])}

    def text(self, raw: object, scope: Mapping[str, object], depth: int = 0) -> str:
        if depth > _MAX_DEPTH:
            raise ContractMissing(f"{raw}: references nest too deep to follow in {SECRETS_MODULE}/")
        if isinstance(raw, str) and len(raw) >= 2 and raw[0] == raw[-1] == '"':
            return _INTERPOLATION.sub(lambda m: self.reference(m.group(1).strip(), scope, depth + 1), raw[1:-1])
        if isinstance(raw, str) and raw.startswith("${") and raw.endswith("}"):
            return self.reference(raw[2:-1].strip(), scope, depth + 1)
        raise ContractMissing(f"cannot follow the value {raw!r} in {SECRETS_MODULE}/")

    def reference(self, ref: str, scope: Mapping[str, object], depth: int) -> str:
        if ref in scope:  # raw HCL like every other value: each.key is kept quoted
            return self.text(scope[ref], {}, depth)
        if ref in self.variables:
            return self.variables[ref]
        if ref.startswith("local.") and ref.removeprefix("local.") in self.locals:
            return self.text(self.locals[ref.removeprefix("local.")], scope, depth)
        raise ContractMissing(f"cannot resolve {ref} in {SECRETS_MODULE}/")

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
            if key.startswith("__"):
                continue
            scope: dict[str, object] = {"each.key": f'"{_unquote(key)}"'}
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
