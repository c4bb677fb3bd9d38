"""Every alert is tested firing and not firing, and carries what on-call needs: the coverage check.

Read from the files, not from promtool: an alert is defined by an `alert:` rule in any rule file;
a promtool test case (`alert_rule_test`) counts for it when its test file loads a rule file that
defines it, as one where it fires (`exp_alerts` not empty) or one where it does not (empty). A
not-firing case in a file that does not even load the alert would pass whatever the alert does.

Every alert also needs a `severity` label (critical, warning or info) and the annotations
`summary`, `description` and `runbook_url`, a repository-relative path to a heading of a runbook
in docs/runbooks/ (`docs/runbooks/alerts-api.md#apiinstancedown`), checked as the Markdown check
checks links: the file exists and has a heading with that GitHub anchor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qvctl.docs_check import anchors
from qvctl.monitoring import rule_files
from qvctl.monitoring.rulefmt import RUNBOOKS, SEVERITIES

ANNOTATIONS = ("summary", "description", "runbook_url")


@dataclass(frozen=True)
class Alert:
    name: str
    file: str  # relative to the repository root
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertTestCase:
    alert: str
    fires: bool
    file: str
    loads: frozenset[str]  # the rule files its test file loads, relative to the root


def _load(path: Path, root: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        problems.append(f"{path.relative_to(root)}: cannot be read ({err})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.relative_to(root)}: is not a mapping")
        return None
    return data


def alerts(root: Path, files: list[Path], problems: list[str]) -> list[Alert]:
    found = []
    for path in files:
        data = _load(path, root, problems)
        for group in (data or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                if "alert" in rule:
                    found.append(Alert(str(rule["alert"]), str(path.relative_to(root)),
                                       dict(rule.get("labels") or {}), dict(rule.get("annotations") or {})))
    return found


def _relative(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def alert_test_cases(root: Path, files: list[Path], problems: list[str]) -> list[AlertTestCase]:
    found = []
    for path in files:
        data = _load(path, root, problems)
        if data is None:
            continue
        loads = frozenset(_relative(root, path.parent / str(f)) for f in data.get("rule_files") or [])
        for test in data.get("tests") or []:
            for case in test.get("alert_rule_test") or []:
                found.append(AlertTestCase(str(case.get("alertname")), bool(case.get("exp_alerts")),
                                      str(path.relative_to(root)), loads))
    return found


def runbook_problem(root: Path, url: str, anchor_cache: dict[Path, set[str]]) -> str | None:
    """Why `url` is not a heading of a runbook of this repository, or None."""
    path_part, _, anchor = url.partition("#")
    if not path_part.startswith(f"{RUNBOOKS}/") or not path_part.endswith(".md"):
        return f"runbook_url {url} is not a runbook of {RUNBOOKS}/ (a repository-relative path to a .md file)"
    path = root / path_part
    if not path.is_file():
        return f"runbook_url {url}: {path_part} does not exist"
    if not anchor:
        return f"runbook_url {url} names no heading (#anchor)"
    if path not in anchor_cache:
        anchor_cache[path] = anchors(path.read_text(encoding="utf-8"))
    if anchor.lower() not in anchor_cache[path]:
        return f"runbook_url {url}: {path_part} has no heading with the anchor #{anchor}"
    return None


def _shape_problems(alert: Alert, root: Path, anchor_cache: dict[Path, set[str]]) -> list[str]:
    where = f"{alert.file}: {alert.name}"
    problems = []
    if alert.labels.get("severity") not in SEVERITIES:
        problems.append(f"{where}: label severity is {alert.labels.get('severity')!r}, not one of "
                        f"{', '.join(SEVERITIES)}")
    problems += [f"{where}: no {name} annotation" for name in ANNOTATIONS if not alert.annotations.get(name)]
    url = alert.annotations.get("runbook_url")
    if url:
        problem = runbook_problem(root, url, anchor_cache)
        if problem:
            problems.append(f"{where}: {problem}")
    return problems


def coverage_problems(root: Path) -> list[str]:
    problems: list[str] = []
    defined = alerts(root, rule_files.every_rule_file(root), problems)
    cases = alert_test_cases(root, rule_files.unit_test_files(root), problems)
    files_of: dict[str, set[str]] = defaultdict(set)
    for alert in defined:
        files_of[alert.name].add(alert.file)
    for name, files in sorted(files_of.items()):
        relevant = [case for case in cases if case.alert == name and case.loads & files]
        shown = ", ".join(sorted(files))
        if not any(case.fires for case in relevant):
            problems.append(f"{shown}: {name} has no test case where it fires ({rule_files.TESTS}/: an "
                            "alert_rule_test with exp_alerts, in a file that loads the alert)")
        if not any(not case.fires for case in relevant):
            problems.append(f"{shown}: {name} has no test case where it does not fire ({rule_files.TESTS}/: an "
                            "alert_rule_test with `exp_alerts: []`, in a file that loads the alert)")
    for case in cases:
        if case.alert not in files_of:
            problems.append(f"{case.file}: tests {case.alert}, which no rule file defines")
    anchor_cache: dict[Path, set[str]] = {}
    for alert in defined:
        problems += _shape_problems(alert, root, anchor_cache)
    return list(dict.fromkeys(problems))
