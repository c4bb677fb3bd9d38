"""Schema validation: core objects with kubernetes-validate (strict), CRD objects with the vendored schemas.

A core object is checked against the Kubernetes version the spec names; a CRD object against
`kubernetes/schemas/<plural>.<group>/<version>.json`. A Rollout's pod template is additionally
checked against that Kubernetes version's strict core PodTemplateSpec, as the published
Rollout CRD embeds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import referencing
from kubernetes_validate import utils as kv_utils

from qvctl.kubernetes.common import Manifest

_CORE_GROUP_SUFFIX = ".k8s.io"


@dataclass(frozen=True)
class SchemaProblem:
    file: str
    object: str  # Kind/namespace/name
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.object}: {self.message}"


def describe(obj: Manifest) -> str:
    meta = obj.get("metadata") or {}
    where = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
    return f"{obj.get('kind')}/{where}{meta.get('name')}"


def is_custom_resource(obj: Manifest) -> bool:
    api_version = str(obj.get("apiVersion", ""))
    if "/" not in api_version:
        return False
    group = api_version.split("/", 1)[0]
    return "." in group and not group.endswith(_CORE_GROUP_SUFFIX)


def crd_schema_path(schemas_dir: Path, obj: Manifest) -> Path:
    group, version = str(obj["apiVersion"]).split("/", 1)
    return schemas_dir / f"{str(obj['kind']).lower()}s.{group}" / f"{version}.json"


@cache
def _load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def _error_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(root)"


def _pod_template_validator(kubernetes_version: str) -> jsonschema.Draft202012Validator:
    """The strict core PodTemplateSpec of the newest bundled schema not newer than the version."""
    versions = [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) == kubernetes_version]
    if not versions:
        raise kv_utils.VersionNotSupportedError(version=kubernetes_version)
    schema_dir = f"kubernetes-json-schema/v{versions[-1]}-local-strict"
    schema = kv_utils.schema_contents(f"{schema_dir}/podtemplatespec-v1.json", kubernetes_version)
    definitions = kv_utils.schema_contents(f"{schema_dir}/_definitions.json", kubernetes_version)
    registry = referencing.Resource.from_contents(definitions) @ referencing.Registry()
    return jsonschema.Draft202012Validator(schema, registry=registry)


_POD_TEMPLATE_VALIDATORS: dict[str, jsonschema.Draft202012Validator] = {}


def validate_object(obj: Manifest, kubernetes_version: str, schemas_dir: Path, file: str) -> list[SchemaProblem]:
    name = describe(obj)
    if not is_custom_resource(obj):
        try:
            kubernetes_validate.validate(obj, kubernetes_version, strict=True)
        except kubernetes_validate.ValidationError as err:
            return [SchemaProblem(file, name, f"{_error_path(err)}: {err.message}")]
        except kubernetes_validate.SchemaNotFoundError as err:
            return [SchemaProblem(file, name, err.message)]
        return []
    path = crd_schema_path(schemas_dir, obj)
    if not path.is_file():
        return [
            SchemaProblem(
                file,
                name,
                f"no vendored schema for {obj['apiVersion']} {obj['kind']} (expected {path.name} "
                f"in {path.parent.name}/)",
            )
        ]
    validator = jsonschema.Draft202012Validator(_load_json(path))
    problems = [
        SchemaProblem(file, name, f"{_error_path(e)}: {e.message}")
        for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
    ]
    if obj.get("kind") == "Rollout" and isinstance((obj.get("spec") or {}).get("template"), dict):
        if kubernetes_version not in _POD_TEMPLATE_VALIDATORS:
            _POD_TEMPLATE_VALIDATORS[kubernetes_version] = _pod_template_validator(kubernetes_version)
        template_validator = _POD_TEMPLATE_VALIDATORS[kubernetes_version]
        problems += [
            SchemaProblem(file, name, f"spec.template.{_error_path(e)}: {e.message}")
            for e in template_validator.iter_errors(obj["spec"]["template"])
        ]
    return problems


def validate_objects(
    objects: dict[str, list[Manifest]], kubernetes_version: str, schemas_dir: Path
) -> list[SchemaProblem]:
    problems: list[SchemaProblem] = []
    for file, docs in objects.items():
        for obj in docs:
            problems.extend(validate_object(obj, kubernetes_version, schemas_dir, file))
    return problems
