"""Ansible through `ansible-playbook`, its events read as JSON lines (the ansible.posix.jsonl callback).

The stats event at the end is the PLAY RECAP as data: ok/changed/failures/unreachable per host.
`changed == 0` on every host is how a second `qvctl up` proves it changed nothing. On failure
the user sees the failing task's own message, not Ansible's whole transcript.
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
from qvctl.platform.ansible_diff import describe_result

CALLBACK = "ansible.posix.jsonl"


@dataclass(frozen=True)
class TaskFailure:
    task: str
    host: str
    message: str
    unreachable: bool = False

    def describe(self) -> str:
        what = "unreachable" if self.unreachable else "failed"
        return f"task '{self.task}' {what} on {self.host}: {self.message}"


@dataclass(frozen=True)
class TaskChange:
    """A task that changed (or, under --check, would change) a host, and what its diff says."""

    task: str
    host: str
    what: tuple[str, ...]


@dataclass
class PlaybookRun:
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[TaskFailure] = field(default_factory=list)
    changes: list[TaskChange] = field(default_factory=list)
    tasks_seen: int = 0
    current_task: str = ""

    @property
    def finished(self) -> bool:
        return bool(self.stats)

    def total(self, key: str) -> int:
        return sum(int(host.get(key, 0)) for host in self.stats.values())

    @property
    def changed(self) -> int:
        return self.total("changed")

    @property
    def failed_hosts(self) -> list[str]:
        return sorted(h for h, s in self.stats.items() if int(s.get("failures", 0)) or int(s.get("unreachable", 0)))

    def describe(self) -> str:
        hosts = len(self.stats)
        if self.changed == 0:
            return f"no changes (changed=0 on {hosts} hosts, ok={self.total('ok')})"
        return f"changed={self.changed} on {hosts} hosts (ok={self.total('ok')})"


def failure_message(result: Mapping[str, Any]) -> str:
    """The module's own words: msg, then stderr/stdout of a command, then module_stderr."""
    parts: list[str] = []
    msg = result.get("msg")
    if msg:
        parts.append(str(msg) if not isinstance(msg, list | dict) else json.dumps(msg))
    for key in ("stderr", "module_stderr", "stdout"):
        value = result.get(key)
        if value and str(value).strip() and str(value).strip() not in parts:
            parts.append(process.tail_text(str(value), 5))
            break
    if result.get("censored"):
        parts.append(str(result["censored"]))
    text = " | ".join(p for p in parts if p) or "failed without a message"
    return " ".join(text.split())[:1000]


def parse_event(line: str, run: PlaybookRun) -> str | None:
    """Fold one jsonl event into `run`; return a progress note (the task now running)."""
    event = process.json_line(line)
    if event is None:
        return None
    kind = event.get("_event", "")
    if kind in ("v2_runner_on_start", "v2_playbook_on_task_start", "v2_playbook_on_handler_task_start"):
        name = str(event.get("task", {}).get("name", ""))
        if name != run.current_task:
            run.current_task = name
            run.tasks_seen += 1
        return name
    if kind in ("v2_runner_on_failed", "v2_runner_on_unreachable"):
        task = str(event.get("task", {}).get("name", ""))
        for host, result in event.get("hosts", {}).items():
            if isinstance(result, Mapping) and result.get("ignore_errors"):
                continue
            run.failures.append(TaskFailure(task, host, failure_message(result),
                                            unreachable=kind.endswith("unreachable")))
        return None
    if kind == "v2_runner_on_ok":
        task = str(event.get("task", {}).get("name", ""))
        for host, result in event.get("hosts", {}).items():
            what = describe_result(result) if isinstance(result, Mapping) else []
            if what:
                run.changes.append(TaskChange(task, host, tuple(what)))
        return None
    if kind == "v2_playbook_on_stats":
        run.stats = {host: {k: int(v) for k, v in s.items()} for host, s in event.get("stats", {}).items()}
    return None


def explain_failure(run: PlaybookRun, returncode: int, stderr: str) -> str:
    """One line: the failing task and its message; else Ansible's own error (syntax, inventory)."""
    failed_hosts = set(run.failed_hosts)
    # A host stops at its last failure (earlier ones were rescued); of the hosts that failed, the
    # first to stop is the cause, and the others (under strategy free) often follow from it.
    last = {f.host: f for f in run.failures if f.host in failed_hosts}
    stops = sorted(last.values(), key=run.failures.index) or run.failures[-1:]
    if stops:
        others = len(stops) - 1
        return stops[0].describe() + (f" (and {others} other host{'s' if others > 1 else ''})" if others else "")
    errors = [line for line in stderr.splitlines() if line.startswith(("ERROR", "[ERROR]"))]
    text = errors[-1] if errors else process.tail_text(stderr, 3).replace("\n", " ")
    return " ".join(text.split()) or f"ansible-playbook exited {returncode}"


@dataclass(frozen=True)
class Playbook:
    ctx: Context
    ansible_dir: Path
    inventory: str  # e.g. inventories/local, relative to ansible_dir
    playbook: str  # main.yml
    extra_env: Mapping[str, str]
    log: Path
    limit: str | None = None  # only these hosts (a release touches the app hosts alone)
    check: bool = False  # --check --diff: report what would change, change nothing (qvctl drift)

    def argv(self, binary: str) -> list[str]:
        """The documented command: the playbook finds its state and outputs itself."""
        return [binary, "-i", self.inventory, self.playbook, *(["--limit", self.limit] if self.limit else []),
                *(["--check", "--diff"] if self.check else [])]

    def environ(self) -> dict[str, str]:
        env = dict(self.ctx.environ)
        env.update(self.extra_env)
        env.update({
            "ANSIBLE_CONFIG": str(self.ansible_dir / "ansible.cfg"),
            "ANSIBLE_STDOUT_CALLBACK": CALLBACK,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "PYTHONUNBUFFERED": "1",
            "PATH": tools.search_path(self.ctx),
        })
        return env

    def run(self, note: Callable[[str], None] | None = None, watchdog: process.Watchdog | None = None) -> PlaybookRun:
        binary = tools.require(self.ctx, "ansible")
        run = PlaybookRun()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        # The log keeps task names and outcomes only: full results may carry secret values.
        with self.log.open("w") as log:

            def on_line(line: str) -> None:
                before = len(run.failures)
                task = parse_event(line, run)
                if task and note is not None:
                    note(f"[{run.tasks_seen}] {task}")
                    log.write(f"TASK {task}\n")
                for failure in run.failures[before:]:
                    log.write(f"FAILED {failure.describe()}\n")

            done = process.run(self.argv(binary), env=self.environ(), cwd=self.ansible_dir, on_line=on_line,
                               watchdog=watchdog)
            if run.finished:
                log.write("RECAP " + json.dumps(run.stats, sort_keys=True) + "\n")
            log.write(done.stderr)
        if done.returncode != 0 or run.failed_hosts:
            raise QvError(f"ansible-playbook: {explain_failure(run, done.returncode, done.stderr)}")
        if not run.finished:
            raise QvError(f"ansible-playbook ended without a PLAY RECAP; see {self.log}")
        return run
