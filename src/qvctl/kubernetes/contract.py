"""What the other layers publish, read from their own files: the API's variables and routes, Terraform's IRSA naming."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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


_INTERPOLATION = re.compile(r"\$\{[^}]*\}")
_IRSA_TEMPLATE = re.compile(r'"([^"\n]*-irsa-[^"\n]*)"')


def terraform_irsa_templates(root: Path) -> list[str]:
    """Quoted HCL strings in the eks module that build IRSA role names.

    e.g. `"${var.project}-${var.environment}-irsa-${each.key}"`.
    """
    module = root / EKS_MODULE
    if not module.is_dir():
        raise ContractMissing(f"{EKS_MODULE}/ is missing: cannot check IRSA role names against Terraform")
    templates = []
    for file in sorted(module.glob("*.tf")):
        templates += _IRSA_TEMPLATE.findall(file.read_text())
    if not templates:
        raise ContractMissing(f"no IRSA role name (a string containing '-irsa-') in {EKS_MODULE}/*.tf")
    return templates


def template_regex(template: str) -> re.Pattern[str]:
    """Each `${...}` may stand for one name segment (lowercase letters, digits, dashes)."""
    parts = _INTERPOLATION.split(template)
    return re.compile("[a-z0-9-]+".join(re.escape(p) for p in parts) + "$")


def terraform_service_accounts(root: Path) -> set[str]:
    """Service-account names quoted anywhere in the eks module (the for_each keys of the IRSA roles)."""
    module = root / EKS_MODULE
    text = "\n".join(f.read_text() for f in sorted(module.glob("*.tf")))
    return set(re.findall(r'"([a-z][a-z0-9-]*)"', text))
