"""scripts/crd_schema.py, which made the vendored cert-manager schemas: what it closes, keeps open and drops."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from tests.conftest import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crd_schema", ROOT / "scripts" / "crd_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CRD = {
    "spec": {
        "group": "example.io",
        "names": {"kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "metadata": {"type": "object"},
                            "status": {"type": "object"},
                            "spec": {
                                "type": "object",
                                "description": "dropped",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "x-kubernetes-validations": [{"rule": "self > 0"}]},
                                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                    "raw": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                        "properties": {"a": {"type": "string"}},
                                    },
                                },
                            },
                        },
                    }
                },
            }
        ],
    }
}


def test_objects_are_closed_unless_the_crd_keeps_unknown_fields() -> None:
    schema = _script().convert(CRD, "v1", "https://github.com/example/widgets", "v1.0.0")
    spec = schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    assert "description" not in spec and spec["properties"]["size"] == {"type": "integer"}
    assert spec["properties"]["labels"]["additionalProperties"] == {"type": "string"}
    assert "additionalProperties" not in spec["properties"]["raw"]
    assert set(schema["properties"]) == {"apiVersion", "kind", "metadata", "spec"}
    assert schema["properties"]["apiVersion"] == {"const": "example.io/v1"}
    assert "release v1.0.0" in schema["$comment"] and "Source: https://github.com/" in schema["$comment"]


def test_a_version_the_crd_lacks_is_refused() -> None:
    with pytest.raises(SystemExit, match="the CRD has no version 'v2'"):
        _script().convert(CRD, "v2", "https://github.com/example/widgets", "v1.0.0")
