"""Drift as Ansible sees it: the tasks that `ansible-playbook --check --diff` says would change a host."""

from __future__ import annotations

from qvctl.drift.findings import Finding
from qvctl.platform.ansible import PlaybookRun


def findings(run: PlaybookRun) -> list[Finding]:
    """One finding per host and task that would change, by host then in playbook order."""
    found = [Finding("ansible", change.host, f"{change.task}: {'; '.join(change.what)}") for change in run.changes]
    return sorted(found, key=lambda f: f.subject)
