"""The in-cluster Prometheus evaluates the same SLO rules as the hosts' Prometheus."""

from __future__ import annotations

import pytest
import yaml

from qvctl.kubernetes.render import render_environment
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT

CLOUD = ("dev", "staging", "prod")


@pytest.mark.parametrize("name", CLOUD)
def test_the_prometheus_rule_holds_the_rendered_slo_rules(name: str) -> None:
    [rule] = render_environment(load_environment(spec_path(ROOT, name))).objects["92-slo-rules.yaml"]
    rendered = yaml.safe_load((ROOT / "monitoring" / "generated" / name / "rules" / "slo.yml").read_text())
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"]["groups"] == rendered["groups"]
    alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    assert {"APIAvailabilityBudgetBurn", "APILatencyBudgetBurn"} <= alerts
