"""The metric names a PromQL expression reads, and none of its functions, keywords, label names,
durations, strings or Grafana variables."""

from __future__ import annotations

import pytest

from qvctl.monitoring.metric_names import PromQLSyntaxError, metric_names


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('up{job="api"}', {"up"}),
        # functions and aggregations, with and without a space before the parenthesis
        ("sum (rate(qv_http_requests_total[5m]))", {"qv_http_requests_total"}),
        ("histogram_quantile(0.99, sum by (route, le) (rate(qv_http_request_duration_seconds_bucket[1m])))",
         {"qv_http_request_duration_seconds_bucket"}),
        # label names in matchers, and in by/without/on/ignoring/group_left lists, before or after the body
        ('sum(rate(x_total{instance_host="db1", job=~"patroni.*"}[5m])) by (instance_host, scope)', {"x_total"}),
        ("sum without (instance, job) (node_load1)", {"node_load1"}),
        ("a / on (instance) group_left (role, scope) b", {"a", "b"}),
        ("a * ignoring(le) group_right b", {"a", "b"}),
        # label names that are also function or keyword names
        ('count by (count, time) (pg_locks_count{mode="rate"})', {"pg_locks_count"}),
        # durations, subqueries, offsets, numbers in every notation
        ("max_over_time(deriv(x[1h30m:5m])[1d:]) offset 2w", {"x"}),
        ("clamp_min(y, 1e-9) * 0x1F + .5 - 2.5E+3", {"y"}),
        ("rate(z[5ms]) @ 1609746000", {"z"}),
        ("rate(z[5m] @ start())", {"z"}),
        # keywords, in any case
        ("a and b or c unless d", {"a", "b", "c", "d"}),
        ("a AND ON (x) b", {"a", "b"}),
        ("x > bool 0", {"x"}),
        ("m == Inf or m != NaN", {"m"}),
        ("topk(5, sum by (cmd) (redis_commands_total))", {"redis_commands_total"}),
        ('count_values("version", build_info)', {"build_info"}),
        # strings: label values that look like metric names, regular expressions, escapes
        ('label_replace(up, "dst", "$1", "instance", "(.*):node_load1")', {"up"}),
        ('x{path="a \\"quoted\\" b", other=`raw`}', {"x"}),
        # recording rule names keep their colons
        ("job:qv_http_requests:rate5m / ignoring(status) job:qv_http_requests:rate5m", {"job:qv_http_requests:rate5m"}),
        # the name as a matcher (a regex cannot be resolved: nothing is claimed)
        ('{__name__="patroni_primary", scope="a"}', {"patroni_primary"}),
        ('{__name__=~"node_.*"}', set()),
        # Grafana variables, in each of their forms
        ("rate(x[$__rate_interval]) / ($objective) + y[${__range}] + z[[[interval]]]", {"x", "y", "z"}),
        ('q{le="$latency_threshold"}', {"q"}),
        # functions with no metric at all
        ("vector(0) + time() - scalar(vector(1))", set()),
        # comments
        ("a # and b\n+ c", {"a", "c"}),
    ],
)
def test_metric_names(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_every_dashboard_query_parses_and_names_metrics() -> None:
    """Every panel query of the committed dashboards reads at least one metric (or is a constant)."""
    import json

    from qvctl.monitoring.dashboards import render_files

    for file, text in render_files().items():
        for panel in json.loads(text)["panels"]:
            for target in panel.get("targets", []):
                assert metric_names(target["expr"]), f"{file}: {panel['title']}: no metric in {target['expr']}"


@pytest.mark.parametrize("expr", ["rate(x[5m]) ¤ 2", "sum by (job x"])
def test_what_is_not_promql_is_an_error(expr: str) -> None:
    with pytest.raises(PromQLSyntaxError):
        metric_names(expr)
