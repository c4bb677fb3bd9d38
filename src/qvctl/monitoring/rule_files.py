"""Where the rule files and their tests live, and the set one environment's Prometheus loads.

The prometheus role copies monitoring/rules/*.yml, monitoring/alerts/*.yml and
monitoring/generated/<env>/rules/*.yml flat into one folder (prometheus.yml reads `rules/*.yml`):
a name used twice would silently replace a file, so names must be unique across the three.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

MONITORING = Path("monitoring")
RULES = MONITORING / "rules"  # recording rules, hand-written
ALERTS = MONITORING / "alerts"  # alerts, hand-written, one file per area
TESTS = MONITORING / "tests"  # promtool unit tests
GENERATED = MONITORING / "generated"  # rendered per environment (qvctl render)


def hand_written(root: Path) -> list[Path]:
    return sorted((root / RULES).glob("*.yml")) + sorted((root / ALERTS).glob("*.yml"))


def rendered_environments(root: Path) -> list[str]:
    """The environments whose monitoring is rendered (monitoring/generated/<env>/prometheus.yml)."""
    return sorted(p.parent.name for p in (root / GENERATED).glob("*/prometheus.yml"))


def rendered(root: Path, env_name: str) -> list[Path]:
    return sorted((root / GENERATED / env_name / "rules").glob("*.yml"))


def loaded_by(root: Path, env_name: str) -> list[Path]:
    """Every rule file one environment's Prometheus loads."""
    return hand_written(root) + rendered(root, env_name)


def every_rule_file(root: Path) -> list[Path]:
    return hand_written(root) + [p for env in rendered_environments(root) for p in rendered(root, env)]


def unit_test_files(root: Path) -> list[Path]:
    return sorted((root / TESTS).glob("*.yml"))


def name_clashes(root: Path) -> list[str]:
    """One problem per file name that two rule files of one environment's set share."""
    problems = []
    for env in rendered_environments(root):
        files = loaded_by(root, env)
        for name, count in Counter(p.name for p in files).items():
            if count > 1:
                paths = ", ".join(str(p.relative_to(root)) for p in files if p.name == name)
                problems.append(f"{name}: {paths} would be copied onto one another in {env}'s rules/ folder; "
                                "rename one")
    return problems
