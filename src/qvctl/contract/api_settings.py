"""The API's documented settings: `services/api/config/environment-variables.yaml`.

The API generates that file from its settings model (`qv-api config --format yaml`) and its own
test keeps the two equal, so this is what the API reads, without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from qvctl.contract.errors import ContractMissing

API_VARIABLES = Path("services/api/config/environment-variables.yaml")


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
