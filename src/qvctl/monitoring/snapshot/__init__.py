"""`qvctl dashboards snapshot`: the committed dashboards drawn from the local Prometheus into one
static HTML page, because Grafana cannot run on a development machine.

boards (the JSON read back) -> variables (Grafana's, replaced) -> qvctl.monitoring.prometheus (the queries) ->
snapshot (series per panel) -> chart (SVG) and units -> page (HTML).
"""
