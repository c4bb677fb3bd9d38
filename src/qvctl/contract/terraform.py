"""Terraform's IRSA naming, read with an HCL parser (python-hcl2): the role name and trusted namespace per account.

What is read, and where, is found by meaning rather than by file position, so it survives
moving blocks between files or wrapping the eks module in another module:
- the eks module's `resource "aws_iam_role" "irsa"` name template (`terraform/modules/eks/*.tf`);
- the `irsa_role_name_prefix` argument of whichever module block of the root module
  (`terraform/*.tf`) sets it, e.g. `module "eks"` today or `module "primary"` wrapping it;
- the root module's `local.service_accounts` map (account -> {namespace, ...}), in any file.

Values are resolved against the spec the way Terraform would (`local.spec` is the spec file):
`${local.x}`, `${local.spec.a.b}`, `${var.project|environment}`. Anything else becomes a
ContractMissing naming what could not be followed.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from qvctl.contract.errors import ContractMissing

TERRAFORM_ROOT = Path("terraform")
EKS_MODULE = TERRAFORM_ROOT / "modules" / "eks"
PREFIX_ARGUMENT = "irsa_role_name_prefix"
SERVICE_ACCOUNTS_LOCAL = "service_accounts"
_MAX_DEPTH = 10
# python-hcl2 keeps a string literal's quotes ('"a-${x}"') and writes an expression as '${x}'.
_OPTIONS = SerializationOptions(with_comments=False)
_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")


def _parse(root: Path, path: Path) -> dict[str, Any]:
    """The parsed file. Every check of every environment reads the same files, so a parse is reused
    for the same text (python-hcl2 takes ~0.1 s per file); callers get their own copy."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ContractMissing(f"{path.relative_to(root)} cannot be read: {err.strerror}") from None
    return copy.deepcopy(_parse_text(str(path.relative_to(root)), text))


@functools.lru_cache(maxsize=256)
def _parse_text(name: str, text: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = hcl2.loads(text, serialization_options=_OPTIONS)
    except Exception as err:  # lark raises several exception types; any of them means "not HCL we can read"
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ContractMissing(f"{name} is not valid HCL: {first_line}") from None
    return parsed


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _labelled(blocks: object) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, body) of each `<type> "<label>" { ... }` block, as python-hcl2 lists them."""
    for block in blocks if isinstance(blocks, list) else []:
        for label, body in block.items():
            if isinstance(body, dict):
                yield _unquote(label), body


class Resolver:
    """Values of a Terraform module resolved the way Terraform would, as far as the checks need.

    `${local.x}` from the module's own locals, `${local.spec.a.b}` from the spec (the root module's
    `local.spec` is the spec file), `${var.project}` and `${var.environment}` from the spec (the
    root passes exactly those to the modules), and names in a scope (`each.key`, `each.value.*`):
    a scope holds raw HCL like every other value, so a quoted literal stays quoted there.
    """

    def __init__(self, where: Path, files: list[dict[str, Any]], spec: Mapping[str, Any]) -> None:
        self.where = where
        self.spec = spec
        self.locals: dict[str, object] = {}
        for parsed in files:
            for block in parsed.get("locals", []):
                self.locals.update({name: value for name, value in block.items() if not name.startswith("__")})

    def text(self, raw: object, scope: Mapping[str, object] | None = None, depth: int = 0) -> str:
        """A string template with ${...} parts, or a bare expression, resolved to its text."""
        if depth > _MAX_DEPTH:
            raise ContractMissing(f"{raw}: references nest too deep to follow in {self.where}/")
        if isinstance(raw, str) and len(raw) >= 2 and raw[0] == raw[-1] == '"':
            return _INTERPOLATION.sub(lambda m: self.reference(m.group(1).strip(), scope, depth + 1), raw[1:-1])
        if isinstance(raw, str) and raw.startswith("${") and raw.endswith("}"):
            return self.reference(raw[2:-1].strip(), scope, depth + 1)
        raise ContractMissing(f"cannot follow the value {raw!r} in {self.where}/")

    def reference(self, ref: str, scope: Mapping[str, object] | None = None, depth: int = 0) -> str:
        if scope and ref in scope:
            return self.text(scope[ref], None, depth)
        if ref.startswith("local.spec."):
            node: Any = self.spec
            for part in ref.removeprefix("local.spec.").split("."):
                if not isinstance(node, Mapping) or part not in node:
                    raise ContractMissing(f"{ref}: no such field in the spec")
                node = node[part]
            return str(node)
        if ref.startswith("local."):
            name = ref.removeprefix("local.")
            if name not in self.locals:
                raise ContractMissing(f"local.{name} is not assigned in {self.where}/*.tf")
            # A local sees no instance scope: each.* exists only inside its resource block, and
            # Terraform evaluates a local once for the whole module.
            return self.text(self.locals[name], None, depth)
        variables = {"var.project": self.spec["project"], "var.environment": self.spec["name"]}
        if ref in variables:
            return str(variables[ref])
        raise ContractMissing(f"cannot resolve {ref} in {self.where}/")


def literal(text: str) -> str:
    """A resolved text as the HCL string literal a scope holds."""
    return f'"{text}"'


class IrsaReader(Resolver):
    """The root module (its locals, module blocks) and the eks module's IRSA role name."""

    def __init__(self, root: Path, spec: Mapping[str, Any]) -> None:
        if not (root / EKS_MODULE).is_dir():
            raise ContractMissing(f"{EKS_MODULE}/ is missing: cannot check IRSA role names against Terraform")
        self.root_files = {p: _parse(root, p) for p in sorted((root / TERRAFORM_ROOT).glob("*.tf"))}
        self.eks_files = {p: _parse(root, p) for p in sorted((root / EKS_MODULE).glob("*.tf"))}
        super().__init__(TERRAFORM_ROOT, list(self.root_files.values()), spec)

    # --- what Terraform says ------------------------------------------------------------------

    def role_name_template(self) -> object:
        """The `name` of `resource "aws_iam_role" "irsa"` in the eks module, unresolved."""
        for parsed in self.eks_files.values():
            for resource_type, body in _labelled(parsed.get("resource")):
                if resource_type == "aws_iam_role" and isinstance(body.get('"irsa"'), dict):
                    name = body['"irsa"'].get("name")
                    if name is not None:
                        return name
        raise ContractMissing(f'no resource "aws_iam_role" "irsa" with a name in {EKS_MODULE}/*.tf')

    def role_name_prefix(self) -> str:
        """The `irsa_role_name_prefix` a root module block passes, resolved.

        Blocks that create no roles (`create_irsa_roles = false`) do not count; the others must agree.
        """
        found: dict[str, list[str]] = {}
        for parsed in self.root_files.values():
            for label, body in _labelled(parsed.get("module")):
                if PREFIX_ARGUMENT in body and body.get("create_irsa_roles") is not False:
                    found.setdefault(self.text(body[PREFIX_ARGUMENT]), []).append(label)
        if not found:
            raise ContractMissing(f"no module block in {TERRAFORM_ROOT}/*.tf sets {PREFIX_ARGUMENT}")
        if len(found) > 1:
            settings = "; ".join(f"module {', '.join(labels)}: {value!r}" for value, labels in sorted(found.items()))
            raise ContractMissing(
                f"{PREFIX_ARGUMENT} differs between module blocks in {TERRAFORM_ROOT}/*.tf ({settings})"
            )
        return next(iter(found))

    def service_account_namespaces(self) -> dict[str, str]:
        """Service account -> namespace, from `local.service_accounts`."""
        accounts = self.locals.get(SERVICE_ACCOUNTS_LOCAL)
        if accounts is None:
            raise ContractMissing(f"local.{SERVICE_ACCOUNTS_LOCAL} is not assigned in {TERRAFORM_ROOT}/*.tf")
        if not isinstance(accounts, dict):
            raise ContractMissing(
                f"local.{SERVICE_ACCOUNTS_LOCAL} in {TERRAFORM_ROOT}/*.tf is not a literal map of "
                "`<serviceaccount> = { namespace = ... }`"
            )
        namespaces = {}
        for account, entry in accounts.items():
            if not isinstance(entry, dict) or "namespace" not in entry:
                raise ContractMissing(f"local.{SERVICE_ACCOUNTS_LOCAL}[{_unquote(account)!r}] sets no namespace")
            namespaces[_unquote(account)] = self.text(entry["namespace"])
        if not namespaces:
            raise ContractMissing(f"local.{SERVICE_ACCOUNTS_LOCAL} in {TERRAFORM_ROOT}/*.tf has no entries")
        return namespaces

    def role_names(self) -> dict[str, str]:
        """Service account -> the IAM role name the eks module gives it."""
        template = self.role_name_template()
        prefix: str | None = None
        names = {}
        for account in self.service_account_namespaces():
            scope = {"each.key": literal(account)}
            if PREFIX_ARGUMENT in str(template):
                prefix = prefix if prefix is not None else self.role_name_prefix()
                scope[f"var.{PREFIX_ARGUMENT}"] = literal(prefix)
            names[account] = self.text(template, scope)
        return names
