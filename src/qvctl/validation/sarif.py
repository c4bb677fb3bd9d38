"""The report of `qvctl validate` as SARIF 2.1.0: one run, a rule per check, a result per problem.

A problem line that names a file of the repository (`path[:line[:col]]: ...`) carries it as the
result's location, so code-scanning tools annotate the line; any other line is a result without one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # qvctl.validate imports the validation package
    from qvctl.validate import Check, Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LOCATED = re.compile(r"^(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?(?::(?P<column>\d+))?: (?P<message>.+)$")


def _location(root: Path, check: Check, line: str) -> tuple[dict[str, Any] | None, str]:
    match = _LOCATED.match(line)
    if match is None:
        return None, line
    path = match.group("path").removeprefix("./").lstrip("/")
    # Tools run in a folder of the repository name files relative to it.
    candidates = [path, f"{check.cwd}/{path}"] if check.cwd != "." else [path]
    found = next((c for c in candidates if (root / c).is_file()), None)
    if found is None:
        return None, line
    region: dict[str, int] = {}
    if match.group("line"):
        region["startLine"] = max(1, int(match.group("line")))
        if match.group("column"):
            region["startColumn"] = max(1, int(match.group("column")))
    physical: dict[str, Any] = {"artifactLocation": {"uri": Path(found).as_posix(), "uriBaseId": "%SRCROOT%"}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical}, match.group("message")


def sarif_report(root: Path, checks: list[Check], results: list[Result], version: str) -> dict[str, Any]:
    by_id = {c.id: c for c in checks}
    rules = [
        {"id": c.id, "name": c.name, "shortDescription": {"text": c.name}} for c in {c.id: c for c in checks}.values()
    ]
    findings: list[dict[str, Any]] = []
    for result in results:
        if result.ok:
            continue
        check = by_id[result.id]
        for line in [line for line in result.detail.splitlines() if line.strip()] or [f"{check.name} failed"]:
            location, message = _location(root, check, line.strip())
            finding: dict[str, Any] = {"ruleId": result.id, "level": "error", "message": {"text": message}}
            if location is not None:
                finding["locations"] = [location]
            findings.append(finding)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "qvctl validate", "version": version, "rules": rules}},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": findings,
            }
        ],
    }
