"""The spec's latency threshold is checked against the API's real histogram, not a copy that drifts."""

from __future__ import annotations

import ast

from qvctl.spec.model import API_LATENCY_BUCKETS

from ..conftest import ROOT

METRICS = ROOT / "services" / "api" / "src" / "quantumvest_api" / "metrics.py"


def _histogram_buckets(source: str, variable: str) -> tuple[float, ...]:
    """The `buckets=` of the Histogram assigned to `variable`, read without importing the API."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
            assert isinstance(node.value, ast.Call)
            for keyword in node.value.keywords:
                if keyword.arg == "buckets":
                    return tuple(float(v) for v in ast.literal_eval(keyword.value))
    raise AssertionError(f"{variable} has no buckets= in {METRICS}")


def test_the_spec_accepts_exactly_the_api_latency_buckets() -> None:
    assert API_LATENCY_BUCKETS == _histogram_buckets(METRICS.read_text(), "HTTP_LATENCY")
