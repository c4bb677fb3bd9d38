"""Schema validation: every rendered object is valid, and the validators do reject what is wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from qvctl.kubernetes.render import render_environment
from qvctl.kubernetes.schemas import crd_schema_path, is_custom_resource, validate_object, validate_objects
from qvctl.spec import cloud_environments, load_environment, spec_path
from tests.conftest import ROOT

CLOUD_ENVIRONMENTS = [env.name for env in cloud_environments(Path(__file__).resolve().parents[2])]

SCHEMAS = ROOT / "kubernetes" / "schemas"
CRD_KINDS = {
    "Rollout",
    "AnalysisTemplate",
    "ExternalSecret",
    "ClusterSecretStore",
    "SecretStore",
    "ServiceMonitor",
    "PrometheusRule",
    "Certificate",
    "Issuer",
}


def _objects(name: str = "prod") -> dict[str, dict]:
    rendered = render_environment(load_environment(spec_path(ROOT, name)))
    return {o["kind"] + "/" + o["metadata"]["name"]: o for docs in rendered.objects.values() for o in docs}


@pytest.mark.parametrize("name", CLOUD_ENVIRONMENTS)
def test_every_rendered_object_validates(name: str) -> None:
    env = load_environment(spec_path(ROOT, name))
    rendered = render_environment(env)
    assert [str(p) for p in validate_objects(rendered.objects, env.kubernetes.version, SCHEMAS)] == []


def test_blue_green_objects_validate(tmp_path: Path) -> None:
    copy_path = tmp_path / "dev.yaml"
    copy_path.write_text(spec_path(ROOT, "dev").read_text().replace("strategy: canary", "strategy: blue_green"))
    env = load_environment(copy_path)
    assert [str(p) for p in validate_objects(render_environment(env).objects, env.kubernetes.version, SCHEMAS)] == []


def test_every_crd_kind_has_a_vendored_schema_with_its_source_noted() -> None:
    objects = _objects()
    kinds = {o["kind"] for o in objects.values() if is_custom_resource(o)}
    assert kinds == CRD_KINDS
    for obj in objects.values():
        if is_custom_resource(obj):
            schema = json.loads(crd_schema_path(SCHEMAS, obj).read_text())
            assert "Source: https://github.com/" in schema["$comment"]
            assert "release v" in schema["$comment"]
            assert schema["properties"]["apiVersion"] == {"const": obj["apiVersion"]}


@pytest.mark.parametrize(
    ("key", "path", "value", "expected"),
    [
        # a typo in a core object: strict mode rejects unknown fields
        ("Service/api", ("spec", "selectr"), {}, "Additional properties are not allowed ('selectr'"),
        ("HorizontalPodAutoscaler/api", ("spec", "minReplicas"), "two", "'two' is not of type 'integer'"),
        ("Ingress/api", ("spec", "rules", 0, "http", "paths", 0, "pathType"), None, "None is not of type 'string'"),
        # CRD objects against the vendored schemas
        ("Rollout/api", ("spec", "strategy", "canary", "stableIngress"), "api", "'stableIngress' was unexpected"),
        ("AnalysisTemplate/api-health", ("spec", "metrics", 0, "provider", "prometheus", "adress"), "x", "'adress'"),
        ("ExternalSecret/api-database", ("spec", "target", "creationPolicy"), "Always", "'Always' is not one of"),
        ("ClusterSecretStore/aws-secrets-manager", ("spec", "provider", "aws", "service"), "S3", "'S3' is not one of"),
        ("ServiceMonitor/api", ("spec", "endpoints", 0, "interval"), "30 seconds", "does not match"),
        ("ServiceMonitor/api", ("spec", "endpoints", 0, "tlsConfig", "servername"), "x", "'servername' was unexpected"),
        ("Certificate/api-tls", ("spec", "renewBefore"), 720, "720 is not of type 'string'"),
        ("Certificate/api-tls", ("spec", "dnsName"), ["x"], "'dnsName' was unexpected"),
        ("Certificate/api-tls", ("spec", "privateKey", "rotationPolicy"), "Sometimes", "'Sometimes' is not one of"),
        ("Issuer/api-ca", ("spec", "ca", "secret"), "api-ca", "'secret' was unexpected"),
        # the Rollout's pod template is checked against the core PodTemplateSpec of the version
        (
            "Rollout/api",
            ("spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "paht"),
            "/",
            "spec.template.spec.containers.0.readinessProbe.httpGet: Additional properties are not allowed ('paht'",
        ),
    ],
)
def test_a_broken_object_is_reported(key: str, path: tuple, value: object, expected: str) -> None:
    obj = copy.deepcopy(_objects()[key])
    target = obj
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    problems = [str(p) for p in validate_object(obj, "1.31", SCHEMAS, "some-file.yaml")]
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(f"some-file.yaml: {obj['kind']}/") for p in problems)


def test_the_kubernetes_version_matters() -> None:
    """Core objects are validated against the spec's Kubernetes version, not the newest one."""
    pdb = _objects()["PodDisruptionBudget/api"]
    assert validate_object(pdb, "1.31", SCHEMAS, "f") == []
    assert validate_object(pdb, "1.25", SCHEMAS, "f") != []  # unhealthyPodEvictionPolicy arrived in 1.26


def test_an_unknown_crd_is_reported(tmp_path: Path) -> None:
    obj = {"apiVersion": "trust.cert-manager.io/v1alpha1", "kind": "Bundle", "metadata": {"name": "x"}, "spec": {}}
    problems = validate_object(obj, "1.31", SCHEMAS, "f")
    assert len(problems) == 1 and "no vendored schema for trust.cert-manager.io/v1alpha1 Bundle" in problems[0].message
