"""Convert a published CRD's openAPIV3Schema into a vendored schema of kubernetes/schemas/.

    python scripts/crd_schema.py CRD.yaml VERSION SOURCE_URL RELEASE > kubernetes/schemas/<plural>.<group>/<v>.json

What changes, and why (kubernetes/README.md, "Vendored CRD schemas"):
- every object that lists its properties is closed (`additionalProperties: false`), unless the
  CRD keeps its unknown fields: the API server prunes unknown fields of a structural CRD, so a
  typo would otherwise vanish silently on a real cluster instead of failing here;
- descriptions and the `x-kubernetes-*` markers are dropped (jsonschema ignores them); CEL rules
  (`x-kubernetes-validations`) cannot be evaluated here and go with them;
- `metadata` is the restricted ObjectMeta the other vendored schemas use, `status` is dropped
  (a manifest never sets it), and apiVersion and kind are constants.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

_NAME = {
    "maxLength": 253,
    "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    "type": "string",
}
OBJECT_META = {
    "additionalProperties": False,
    "description": "ObjectMeta, restricted to the fields a manifest may set",
    "properties": {
        "annotations": {"additionalProperties": {"type": "string"}, "type": "object"},
        "finalizers": {"items": {"type": "string"}, "type": "array"},
        "generateName": {"type": "string"},
        "labels": {"additionalProperties": {"type": "string"}, "type": "object"},
        "name": _NAME,
        "namespace": _NAME,
    },
    "required": ["name"],
    "type": "object",
}


def close(node: Any) -> Any:
    """The node without descriptions or x-kubernetes-* markers, every listed-properties object closed."""
    if isinstance(node, list):
        return [close(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: close(v) for k, v in node.items() if k != "description" and not k.startswith("x-kubernetes-")}
    if "properties" in node and "additionalProperties" not in node:
        if not node.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    return out


def convert(crd: dict[str, Any], version: str, source: str, release: str) -> dict[str, Any]:
    served = {v["name"]: v for v in crd["spec"]["versions"]}
    if version not in served:
        raise SystemExit(f"error: the CRD has no version {version!r} (it has {', '.join(served)})")
    root = served[version]["schema"]["openAPIV3Schema"]
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    own = ("apiVersion", "kind", "metadata", "status")
    properties = {k: close(v) for k, v in root["properties"].items() if k not in own}
    return {
        "$comment": (
            f"{kind} {group}/{version}: the published CRD's openAPIV3Schema, converted by scripts/crd_schema.py "
            f"(every object closed, descriptions and CEL rules dropped). Source: {source}, release {release}. "
            "See kubernetes/README.md."
        ),
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": f"{group}/{version}"},
            "kind": {"const": kind},
            "metadata": OBJECT_META,
            **properties,
        },
        "required": ["apiVersion", "kind", "metadata", *[r for r in root.get("required", []) if r != "status"]],
        "type": "object",
    }


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    crd_path, version, source, release = argv
    crd = yaml.safe_load(Path(crd_path).read_text(encoding="utf-8"))
    print(json.dumps(convert(crd, version, source, release), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
