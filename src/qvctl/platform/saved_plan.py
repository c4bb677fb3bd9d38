"""A saved plan (`terraform plan -out`) and its record beside it (`<plan>.json`).

The record is the summary a person reviews and a CI job posts, plus a sha256 of every file
Terraform read for the plan. `qvctl apply` compares those with the files as they are now: a plan
made from other inputs is refused, naming what changed. A change of the *state* since the plan is
Terraform's to detect ("Saved plan is stale"), and it does, on apply.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qvctl.atomic_file import replace_text
from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.plan_summary import PlanSummary

RECORD_VERSION = 1


@dataclass(frozen=True)
class SavedPlan:
    plan_file: Path

    @property
    def record_file(self) -> Path:
        return self.plan_file.with_name(self.plan_file.name + ".json")

    def write(self, env: str, summary: PlanSummary, inputs: Mapping[str, str]) -> dict[str, Any]:
        record = {
            "version": RECORD_VERSION,
            "environment": env,
            "plan_file": self.plan_file.name,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "summary": summary.as_dict(),
            "inputs_sha256": dict(sorted(inputs.items())),
        }
        replace_text(self.record_file, json.dumps(record, indent=2) + "\n")
        return record

    def read(self, env: str) -> tuple[PlanSummary, dict[str, str]]:
        """The recorded summary and input digests; refuses a missing, foreign or unreadable record."""
        try:
            record = json.loads(self.record_file.read_text())
        except FileNotFoundError:
            raise QvError(
                f"no saved plan for {env} at {self.record_file}: run qvctl plan {env} first", ExitStatus.INVALID_INPUT
            ) from None
        except ValueError:
            raise QvError(
                f"{self.record_file} is not a plan record (not JSON): run qvctl plan {env} again",
                ExitStatus.INVALID_INPUT,
            ) from None
        if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
            raise QvError(
                f"{self.record_file} is not a plan record of this qvctl: run qvctl plan {env} again",
                ExitStatus.INVALID_INPUT,
            )
        if record.get("environment") != env:
            raise QvError(
                f"{self.plan_file} is a plan of {record.get('environment')!r}, not of {env}", ExitStatus.INVALID_INPUT
            )
        summary = PlanSummary.from_dict(record.get("summary") or {})
        if not summary.no_changes and not self.plan_file.is_file():
            raise QvError(
                f"the saved plan {self.plan_file} is gone (applied already?): run qvctl plan {env} again",
                ExitStatus.INVALID_INPUT,
            )
        return summary, {str(k): str(v) for k, v in (record.get("inputs_sha256") or {}).items()}


def changed_inputs(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The files whose content differs, or that appeared or vanished, since the plan was made."""
    return sorted(name for name in set(recorded) | set(current) if recorded.get(name) != current.get(name))


def refuse_if_stale(env: str, recorded: Mapping[str, str], current: Mapping[str, str]) -> None:
    changed = changed_inputs(recorded, current)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise QvError(
            f"the saved plan for {env} is stale: {shown} changed since it was made; run qvctl plan {env} again",
            ExitStatus.FAILED,
        )
