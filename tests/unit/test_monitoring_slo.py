"""The SLO rules rendered from the spec: the objective and the latency bucket reach the expressions."""

from __future__ import annotations

import pytest

from qvctl.monitoring import slo, synchronous
from qvctl.monitoring.burn_rates import WINDOWS
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT


@pytest.mark.parametrize(("seconds", "label"), [(0.5, "0.5"), (1.0, "1.0"), (1, "1.0"), (10, "10.0"),
                                                (0.0025, "0.0025")])
def test_le_is_written_as_the_python_client_writes_it(seconds: float, label: str) -> None:
    assert slo.le_label(seconds) == label


def _rules(name: str) -> list[dict[str, object]]:
    document = slo.slo_rules(load_environment(spec_path(ROOT, name)))
    groups = document["groups"]
    assert isinstance(groups, list)
    return [rule for group in groups for rule in group["rules"]]


# The SRE workbook's multiwindow alerts for a 30-day SLO (table 5-8), as burn_rates.py states them:
# fast burn 14.4 over 1 h with a 5 m short window, slow burn 6 over 6 h with 30 m.
STATED_WINDOWS = {("1h", "5m", 14.4), ("6h", "30m", 6.0)}


def test_the_burn_windows_are_the_workbooks() -> None:
    assert {(w.long, w.short, w.rate) for w in WINDOWS} == STATED_WINDOWS


def test_every_window_of_the_alerts_is_recorded() -> None:
    recorded = {rule["record"] for rule in _rules("prod") if "record" in rule}
    stated = {w for long, short, _ in STATED_WINDOWS for w in (long, short)}
    assert recorded == {f"{ratio}{w}" for ratio in (slo.ERRORS, slo.SLOW) for w in stated}


def test_prod_objectives_and_threshold_reach_the_rules() -> None:
    rules = _rules("prod")
    slow = next(r for r in rules if r.get("record") == f"{slo.SLOW}1h")
    assert 'le="0.5"' in str(slow["expr"])
    fast = [r for r in rules if r.get("alert") == "APIAvailabilityBudgetBurn" and r["for"] == "2m"]
    assert len(fast) == 1
    assert str(fast[0]["expr"]).count("(14.4 * (1 - 0.999))") == 2
    assert fast[0]["labels"] == {"severity": "critical", "slo": "availability"}


def test_each_slo_has_a_fast_critical_and_a_slow_warning_burn() -> None:
    alerts = [(r["alert"], r["labels"]["severity"], r["for"]) for r in _rules("local") if "alert" in r]
    assert sorted(alerts) == [
        ("APIAvailabilityBudgetBurn", "critical", "2m"), ("APIAvailabilityBudgetBurn", "warning", "15m"),
        ("APILatencyBudgetBurn", "critical", "2m"), ("APILatencyBudgetBurn", "warning", "15m"),
    ]


def test_the_synchronous_standby_alert_exists_only_with_synchronous_mode() -> None:
    dev = load_environment(spec_path(ROOT, "dev"))
    prod = load_environment(spec_path(ROOT, "prod"))
    assert not dev.database.synchronous_mode and prod.database.synchronous_mode
    assert synchronous.synchronous_rules(dev) == {"groups": []}
    assert [r["alert"] for r in synchronous.synchronous_alerts(prod)] == ["PatroniSyncStandbyMissing"]
