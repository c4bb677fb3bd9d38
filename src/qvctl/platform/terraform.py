"""Terraform through its own CLI: init, plan, apply and show, with `-json` output parsed.

qvctl gives every run its own TF_DATA_DIR under `.qv/<env>/terraform/`, so a person's
`terraform/.terraform` (the by-hand workflow) is never touched and the two never fight over
which backend is configured. Both use the same S3 state (the backend file), so either can
pick up after the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qvctl import tools
from qvctl.context import Context, QvError
from qvctl.platform import process
from qvctl.terraform_mirror import terraform_environ


@dataclass
class ApplySummary:
    add: int = 0
    change: int = 0
    remove: int = 0
    import_: int = 0
    seen: bool = False  # a change_summary line was in the output at all
    outputs_only: bool = False  # a plan that changes outputs but no resource

    @property
    def no_changes(self) -> bool:
        return self.seen and not self.outputs_only and self.add == self.change == self.remove == self.import_ == 0

    def describe(self) -> str:
        if self.no_changes:
            return "no changes"
        if self.outputs_only:
            return "only outputs change"
        return f"{self.add} added, {self.change} changed, {self.remove} destroyed"


@dataclass
class JsonRun:
    """What a `terraform ... -json` run said, by message type."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: ApplySummary = field(default_factory=ApplySummary)
    last_message: str = ""


def _diagnostic_text(diag: Mapping[str, Any]) -> str:
    summary = str(diag.get("summary", "")).strip()
    detail = " ".join(str(diag.get("detail", "")).split())
    where = ""
    rng = diag.get("range")
    if isinstance(rng, Mapping) and rng.get("filename"):
        where = f" ({rng['filename']}:{rng.get('start', {}).get('line', '?')})"
    address = diag.get("address")
    prefix = f"{address}: " if address else ""
    return f"{prefix}{summary}{where}" + (f": {detail}" if detail else "")


def parse_json_line(line: str, run: JsonRun) -> str | None:
    """Fold one line of `-json` output into `run`; return a short progress note, if any."""
    message = process.json_line(line)
    if message is None:
        return None
    kind = message.get("type")
    text = str(message.get("@message", ""))
    if text:
        run.last_message = text
    if kind == "diagnostic":
        diag = message.get("diagnostic", {})
        if diag.get("severity") == "error":
            run.errors.append(_diagnostic_text(diag))
        else:
            run.warnings.append(_diagnostic_text(diag))
        return None
    if kind == "change_summary":
        changes = message.get("changes", {})
        run.summary = ApplySummary(
            add=int(changes.get("add", 0)),
            change=int(changes.get("change", 0)),
            remove=int(changes.get("remove", 0)),
            import_=int(changes.get("import", 0)),
            seen=True,
        )
        return text
    if kind in ("apply_start", "apply_complete", "refresh_start", "planned_change", "init_output", "log"):
        return text
    return None


@dataclass(frozen=True)
class Terraform:
    ctx: Context
    workdir: Path  # the root module (terraform/)
    data_dir: Path  # TF_DATA_DIR
    extra_env: Mapping[str, str]  # AWS credentials and region for the emulator
    log_dir: Path

    def environ(self) -> dict[str, str]:
        env = terraform_environ(self.ctx.environ, self.ctx.tools_dir)
        env.update(self.extra_env)
        env["TF_DATA_DIR"] = str(self.data_dir)
        env["TF_INPUT"] = "0"
        env["PATH"] = tools.search_path(self.ctx)
        return env

    def _run(
        self, args: list[str], note: Callable[[str], None] | None, log_name: str | None
    ) -> tuple[process.Completed, JsonRun]:
        binary = tools.require(self.ctx, "terraform")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        parsed = JsonRun()

        def on_line(line: str) -> None:
            progress = parse_json_line(line, parsed)
            if progress and note is not None:
                note(progress)

        done = process.run([binary, *args], env=self.environ(), cwd=self.workdir, on_line=on_line,
                           log=self.log_dir / log_name if log_name else None)
        return done, parsed

    def _fail(self, what: str, done: process.Completed, parsed: JsonRun) -> QvError:
        if parsed.errors:
            more = len(parsed.errors) - 1
            message = parsed.errors[0] + (f" (and {more} more errors)" if more else "")
        else:
            message = process.tail_text(done.stderr or done.stdout, 3).replace("\n", " ")
            message = message or f"exit status {done.returncode}"
        return QvError(f"terraform {what}: {message}")

    def init(self, backend_file: Path, note: Callable[[str], None] | None = None) -> str:
        args = ["init", "-input=false", "-json", f"-backend-config={backend_file}"]
        done, parsed = self._run(args, note, "terraform-init.log")
        if done.returncode != 0 and any("reconfigure" in e or "Backend configuration changed" in e
                                        for e in parsed.errors):
            # Our TF_DATA_DIR remembers another backend config (an edited .tfbackend): re-point it.
            done, parsed = self._run([*args, "-reconfigure"], note, "terraform-init.log")
            if done.returncode == 0:
                return "initialized (backend reconfigured)"
        if done.returncode != 0:
            raise self._fail("init", done, parsed)
        return "initialized"

    def plan(self, var_file: Path, plan_file: Path, note: Callable[[str], None] | None = None) -> ApplySummary:
        """`terraform plan -detailed-exitcode -out=PLAN`; exit 0 means Terraform itself found no changes."""
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        args = ["plan", "-input=false", "-json", "-detailed-exitcode", f"-var-file={var_file}", f"-out={plan_file}"]
        done, parsed = self._run(args, note, "terraform-plan.log")
        if done.returncode not in (0, 2):
            raise self._fail("plan", done, parsed)
        if not parsed.summary.seen:
            log = self.log_dir / "terraform-plan.log"
            raise QvError(f"terraform plan: finished without a change summary; see {log}")
        summary = parsed.summary
        # Exit 2 with zero resource changes: only outputs change. Still worth applying (state holds outputs).
        summary.outputs_only = done.returncode == 2 and summary.add == summary.change == summary.remove == 0
        if done.returncode == 0:
            plan_file.unlink(missing_ok=True)
        return summary

    def refresh_plan(self, var_file: Path, plan_file: Path, note: Callable[[str], None] | None = None) -> bool:
        """`terraform plan -refresh-only -detailed-exitcode -out=PLAN`: True when the real objects differ from the
        state (exit 2); the plan file is kept for `show` either way, and never applied by qvctl."""
        plan_file.parent.mkdir(parents=True, exist_ok=True)
        args = ["plan", "-refresh-only", "-input=false", "-json", "-detailed-exitcode", f"-var-file={var_file}",
                f"-out={plan_file}"]
        done, parsed = self._run(args, note, "terraform-refresh.log")
        if done.returncode not in (0, 2):
            raise self._fail("plan -refresh-only", done, parsed)
        return done.returncode == 2

    def show_plan(self, plan_file: Path) -> dict[str, Any]:
        """`terraform show -json PLAN`: the plan as Terraform's JSON document (resource_changes, resource_drift)."""
        # No log: a plan's JSON holds every planned value, sensitive ones in plain text.
        done, parsed = self._run(["show", "-json", str(plan_file)], None, None)
        if done.returncode != 0:
            raise self._fail("show", done, parsed)
        try:
            document = json.loads(done.stdout)
        except ValueError:
            raise QvError(f"terraform show -json {plan_file.name}: not a JSON document") from None
        if not isinstance(document, dict):
            raise QvError(f"terraform show -json {plan_file.name}: not a plan document")
        return document

    def apply_plan(self, plan_file: Path, note: Callable[[str], None] | None = None) -> ApplySummary:
        """Apply exactly the saved plan (no second refresh); the plan file is removed afterwards."""
        try:
            done, parsed = self._run(["apply", "-input=false", "-json", str(plan_file)], note, "terraform-apply.log")
        finally:
            plan_file.unlink(missing_ok=True)
        if done.returncode != 0:
            raise self._fail("apply", done, parsed)
        return parsed.summary
