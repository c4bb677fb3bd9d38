"""The backup-age alerts' thresholds: the longest gap the spec's cron schedules leave, per level."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qvctl.monitoring.backup_age import allowed_age, backup_alerts, level_types, longest_gap
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT


@pytest.mark.parametrize(("expressions", "gap"), [
    (["0 * * * *"], timedelta(hours=1)),
    (["*/15 * * * *"], timedelta(minutes=15)),
    # Differentials Monday to Saturday, the full on Sunday: one backup a day.
    (["0 2 * * 0", "0 2 * * 1-6"], timedelta(days=1)),
    # Weekdays only: Friday 02:00 to Monday 02:00.
    (["0 2 * * 1-5"], timedelta(days=3)),
    (["0 2 * * 0"], timedelta(days=7)),
    # Months differ: the longest is 31 days (January to February, and so on).
    (["0 3 1 * *"], timedelta(days=31)),
    # Once a leap year: the gap past the horizon's end is measured too.
    (["0 0 29 2 *"], timedelta(days=4 * 365 + 1)),
    # Two schedules on the same minute are one backup, not a gap of 0.
    (["0 2 * * *", "0 2 * * 0"], timedelta(days=1)),
])
def test_longest_gap_between_consecutive_fires(expressions: list[str], gap: timedelta) -> None:
    assert longest_gap(expressions) == gap


def test_a_level_counts_its_type_and_the_stronger_ones() -> None:
    assert level_types("full") == ("full",)
    assert level_types("diff") == ("full", "diff")
    assert level_types("incr") == ("full", "diff", "incr")


def test_prod_allows_a_week_a_day_and_an_hour_plus_the_margin() -> None:
    """The stated rule (monitoring/README.md): the longest gap of the level's schedules plus 2 hours for
    the backup to complete; "with the shipped schedules 170 h" for the full backup."""
    prod = load_environment(spec_path(ROOT, "prod"))
    ages = {level: allowed_age(prod, level) for level in ("full", "diff", "incr")}
    assert ages == {"full": timedelta(hours=170), "diff": timedelta(hours=24 + 2), "incr": timedelta(hours=1 + 2)}


def test_the_spec_schedule_moves_the_threshold() -> None:
    prod = load_environment(spec_path(ROOT, "prod"))
    weekly = prod.model_copy(update={"backup": prod.backup.model_copy(update={
        "schedule": prod.backup.schedule.model_copy(update={"differential": "0 2 * * 3"})})})
    # Without Monday-Saturday differentials the full-or-differential level spans Sunday to Wednesday
    # and Wednesday to Sunday: four days at most.
    assert allowed_age(weekly, "diff") == timedelta(days=4, hours=2)
    too_old = [r for r in backup_alerts(weekly) if r["alert"] == "PostgresBackupTooOld"]
    assert any("> 98 * 3600" in str(r["expr"]) for r in too_old)


def test_alerts_name_the_environment_stanza() -> None:
    local = load_environment(spec_path(ROOT, "local"))
    rules = backup_alerts(local)
    assert rules and all('stanza="quantumvest-local"' in str(rule["expr"]) for rule in rules)
