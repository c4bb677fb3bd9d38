"""`qvctl dr`'s argument errors: one line, the right exit status, nothing touched."""

from __future__ import annotations

from pathlib import Path

from ..conftest import run_qvctl


def test_an_unknown_scenario_is_a_usage_error_naming_the_scenarios() -> None:
    done = run_qvctl("dr", "drill", "local", "--scenario", "meteor")
    assert done.returncode == 2
    assert "leader-kill" in done.stderr and "region-loss" in done.stderr and "Traceback" not in done.stderr


def test_a_drill_needs_a_scenario() -> None:
    done = run_qvctl("dr", "drill", "local")
    assert done.returncode == 2 and "--scenario" in done.stderr


def test_failover_goes_to_dr_or_primary_only() -> None:
    done = run_qvctl("dr", "failover", "local", "--to", "moon")
    assert done.returncode == 2 and "dr, primary" in done.stderr


def test_a_cloud_environment_is_refused_before_anything_runs() -> None:
    done = run_qvctl("dr", "drill", "dev", "--scenario", "leader-kill")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: drills run against a local environment")


def test_an_environment_that_is_not_running_is_unreachable(tmp_path: Path) -> None:
    done = run_qvctl("dr", "failback", "local", env={"QV_STATE_DIR": str(tmp_path)})
    assert done.returncode == 5
    assert "is not running" in done.stderr and "qvctl up local" in done.stderr
    assert not (tmp_path / "local" / "lock").exists()  # the lock is released


def test_an_unknown_environment_is_invalid_input() -> None:
    done = run_qvctl("dr", "drill", "nowhere", "--scenario", "leader-kill")
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_promote_and_rebuild_name_a_cluster() -> None:
    for command in ("promote", "rebuild"):
        done = run_qvctl("dr", command, "local", "--cluster", "moon")
        assert done.returncode == 2 and "primary, dr" in done.stderr
