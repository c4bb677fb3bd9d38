"""What the other layers publish, read from their own files: the API's variables and routes, Terraform's IRSA naming."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

API_VARIABLES = Path("services/api/config/environment-variables.yaml")
API_SOURCE = Path("services/api/src/quantumvest_api")
EKS_MODULE = Path("terraform/modules/eks")


class ContractMissing(Exception):
    """The other layer has not published what this check reads; the message says what is missing."""


@dataclass(frozen=True)
class Variable:
    name: str
    required: bool
    secret: bool
    default: object


def api_variables(root: Path) -> dict[str, Variable]:
    path = root / API_VARIABLES
    if not path.is_file():
        raise ContractMissing(f"{API_VARIABLES} is missing: cannot check the environment variables the manifests set")
    try:
        data = yaml.safe_load(path.read_text())
        return {
            v["name"]: Variable(v["name"], bool(v.get("required")), bool(v.get("secret")), v.get("default"))
            for v in data["variables"]
        }
    except (yaml.YAMLError, KeyError, TypeError) as err:
        raise ContractMissing(
            f"{API_VARIABLES} is not `variables: [{{name, required, secret, default}}]`: {err}"
        ) from None


_ROUTER_PREFIX = re.compile(r"""APIRouter\([^)]*prefix\s*=\s*["']([^"']*)["']""")
_ROUTE = re.compile(r"""@\w+\.(?:get|head|api_route)\(\s*["']([^"']+)["']""")


def api_get_paths(root: Path) -> set[str]:
    """GET paths declared in the API's source (`@router.get("/livez")`, with the router's prefix)."""
    source = root / API_SOURCE
    if not source.is_dir():
        raise ContractMissing(f"{API_SOURCE} is missing: cannot check that probe paths are served by the API")
    paths = set()
    for file in sorted(source.rglob("*.py")):
        text = file.read_text()
        prefix_match = _ROUTER_PREFIX.search(text)
        prefix = prefix_match.group(1) if prefix_match else ""
        paths.update(prefix + route for route in _ROUTE.findall(text))
    return paths


TERRAFORM_ROOT = Path("terraform")


class HclReader:
    """Just enough HCL reading to follow how Terraform builds IRSA role names and trust.

    Not a parser: it finds `name = "<template>"` assignments and resolves `${local.x}`,
    `${local.spec.a.b}` and `${var.project|environment}` against the spec. Anything it cannot
    follow becomes a ContractMissing that names what it looked for, never a guess.
    """

    def __init__(self, root: Path, spec: dict[str, Any]) -> None:
        self.root = root
        self.spec = spec
        self.root_text = "\n".join(f.read_text() for f in sorted((root / TERRAFORM_ROOT).glob("*.tf")))
        # Top-level `locals { ... }` blocks (terraform fmt: the closing brace in column 0).
        self.locals_text = "\n".join(re.findall(r"^locals\s*\{\n(.*?)^\}", self.root_text, re.DOTALL | re.MULTILINE))
        self.module_text = "\n".join(f.read_text() for f in sorted((root / EKS_MODULE).glob("*.tf")))

    def local(self, name: str, depth: int = 0) -> str:
        # terraform fmt indents a locals block's own attributes by exactly two spaces.
        match = re.search(rf"^  {re.escape(name)}\s*=\s*(.+?)\s*(?:#.*)?$", self.locals_text, re.MULTILINE)
        if match is None:
            raise ContractMissing(f"local.{name} is not assigned in {TERRAFORM_ROOT}/*.tf")
        return self.value(match.group(1), depth + 1)

    def reference(self, ref: str, depth: int = 0) -> str:
        if depth > 10:
            raise ContractMissing(f"{ref}: references nest too deep to follow")
        if ref.startswith("local.spec."):
            node: Any = self.spec
            for part in ref.removeprefix("local.spec.").split("."):
                if not isinstance(node, dict) or part not in node:
                    raise ContractMissing(f"{ref}: no such field in the spec")
                node = node[part]
            return str(node)
        if ref.startswith("local."):
            return self.local(ref.removeprefix("local."), depth)
        variables = {"var.project": self.spec["project"], "var.environment": self.spec["name"]}
        if ref in variables:
            return str(variables[ref])
        raise ContractMissing(f"cannot resolve {ref} in {TERRAFORM_ROOT}/")

    def value(self, expression: str, depth: int = 0) -> str:
        """A quoted template with ${...} parts, or a bare reference."""
        expression = expression.strip()
        if expression.startswith('"') and expression.endswith('"'):
            return re.sub(r"\$\{([^}]*)\}", lambda m: self.reference(m.group(1).strip(), depth), expression[1:-1])
        return self.reference(expression, depth)

    def module_role_name(self) -> str:
        """The `name` template of `aws_iam_role.irsa` in the eks module."""
        match = re.search(
            r'resource\s+"aws_iam_role"\s+"irsa"\s*\{(.*?)^\}', self.module_text, re.DOTALL | re.MULTILINE
        )
        name = match and re.search(r'^\s*name\s*=\s*("[^"\n]*")', match.group(1), re.MULTILINE)
        if not name:
            raise ContractMissing(f'no resource "aws_iam_role" "irsa" with a name in {EKS_MODULE}/*.tf')
        return name.group(1)

    # The root hands the eks module's IRSA arguments to the region module as one object,
    # `irsa = { role_name_prefix, service_accounts, ... }` of `module "primary"`.
    _REGION_IRSA = {"irsa_role_name_prefix": "role_name_prefix", "service_accounts": "service_accounts"}

    def module_argument(self, argument: str) -> str:
        """An IRSA argument of the eks module as the root sets it, unresolved: in a root
        `module "eks"` block, or in the `irsa` object of the root's `module "primary"` (modules/region)."""
        block = re.search(r'module\s+"eks"\s*\{(.*?)^\}', self.root_text, re.DOTALL | re.MULTILINE)
        value = block and re.search(rf"^\s*{argument}\s*=\s*(.+?)\s*$", block.group(1), re.MULTILINE)
        if not value and argument in self._REGION_IRSA:
            region = re.search(r'module\s+"primary"\s*\{(.*?)^\}', self.root_text, re.DOTALL | re.MULTILINE)
            irsa = region and re.search(r"^  irsa\s*=.*?\{\n(.*?)^  \}", region.group(1), re.DOTALL | re.MULTILINE)
            key = self._REGION_IRSA[argument]
            value = irsa and re.search(rf"^\s*{key}\s*=\s*(.+?)\s*$", irsa.group(1), re.MULTILINE)
        if not value:
            raise ContractMissing(
                f'neither module "eks" nor the irsa object of module "primary" in {TERRAFORM_ROOT}/*.tf sets {argument}'
            )
        return value.group(1)

    def role_names(self) -> dict[str, str]:
        """Service account -> the IAM role name Terraform gives it."""
        template = self.module_role_name()
        prefix_var = "${var.irsa_role_name_prefix}"
        accounts = self.service_account_namespaces()
        if template.strip('"').startswith(prefix_var):
            prefix = self.value(self.module_argument("irsa_role_name_prefix"))
            suffix = template.strip('"').removeprefix(prefix_var)
        else:
            prefix, suffix = "", template.strip('"')
        names = {}
        for account in accounts:
            rest = suffix.replace("${each.key}", account)
            names[account] = prefix + (self.value(f'"{rest}"') if "${" in rest else rest)
        return names

    def service_account_namespaces(self) -> dict[str, str]:
        """Service account -> namespace, from the map the root module passes as `service_accounts`."""
        source = self.module_argument("service_accounts")
        text = self.root_text
        if source.startswith("local."):
            text = self.locals_text
            start = re.search(rf"^(  ){re.escape(source.removeprefix('local.'))}\s*=\s*\{{", text, re.MULTILINE)
            if start is None:
                raise ContractMissing(f"{source} is not assigned in {TERRAFORM_ROOT}/*.tf")
            indent = start.group(1)
            end = re.search(rf"^{indent}\}}", text[start.end() :], re.MULTILINE)
            text = text[start.end() : start.end() + (end.start() if end else len(text))]
        entries = re.findall(r'^\s*"?([a-z][a-z0-9-]*)"?\s*=\s*\{\s*\n\s*namespace\s*=\s*(.+?)\s*$', text, re.MULTILINE)
        if not entries:
            raise ContractMissing(f"no `<serviceaccount> = {{ namespace = ... }}` entries in {source}")
        return {account: self.value(namespace) for account, namespace in entries}
