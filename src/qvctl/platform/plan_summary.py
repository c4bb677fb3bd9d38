"""What a saved plan would do, read from `terraform show -json PLAN`, for people and for CI.

Counts follow Terraform's own arithmetic ("Plan: 3 to add, 1 to change, 2 to destroy"): a
replacement is one add and one destroy. Replacements and destroys are listed by name, because
those are what a reviewer must not miss; a terminal shows them in red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

# Terraform's action lists (resource_changes[].change.actions) by what they mean to a reviewer.
ACTIONS: dict[tuple[str, ...], str] = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("forget",): "forget",
}
STYLES = {"create": "green", "update": "yellow", "delete": "bold red", "replace": "bold red", "forget": "magenta"}


@dataclass(frozen=True)
class ResourceChange:
    address: str
    action: str  # create, update, delete, replace, forget
    # For a replacement: the attributes that force it (Terraform's replace_paths, first step of each path).
    because: tuple[str, ...] = ()


@dataclass
class PlanSummary:
    changes: list[ResourceChange] = field(default_factory=list)
    outputs_change: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def add(self) -> int:
        return self.count("create") + self.count("replace")

    @property
    def change(self) -> int:
        return self.count("update")

    @property
    def destroy(self) -> int:
        return self.count("delete") + self.count("replace")

    @property
    def no_changes(self) -> bool:
        return not self.changes and not self.outputs_change

    def dangerous(self) -> list[ResourceChange]:
        """What a reviewer must see first: every destroy and every replacement."""
        return [c for c in self.changes if c.action in ("delete", "replace")]

    def describe(self) -> str:
        if self.no_changes:
            return "no changes"
        if not self.changes:
            return "only outputs change"
        line = f"{self.add} to add, {self.change} to change, {self.destroy} to destroy"
        replaced = self.count("replace")
        return line + (f" ({replaced} replaced)" if replaced else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "add": self.add,
            "change": self.change,
            "destroy": self.destroy,
            "replace": self.count("replace"),
            "outputs_change": self.outputs_change,
            "no_changes": self.no_changes,
            "changes": [asdict(c) for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanSummary:
        changes = [
            ResourceChange(str(c["address"]), str(c["action"]), tuple(c.get("because", ())))
            for c in data.get("changes", [])
        ]
        return cls(changes, bool(data.get("outputs_change", False)))


def _because(change: Mapping[str, Any]) -> tuple[str, ...]:
    paths = change.get("replace_paths") or []
    return tuple(sorted({str(path[0]) for path in paths if isinstance(path, list) and path}))


def summarize(plan: Mapping[str, Any]) -> PlanSummary:
    """The changes of a plan document (`terraform show -json PLAN`); reads and no-ops are not changes."""
    changes = []
    for entry in plan.get("resource_changes") or []:
        change = entry.get("change") or {}
        actions = tuple(change.get("actions") or ())
        if actions in (("no-op",), ("read",)):
            continue
        action = ACTIONS.get(actions, "-".join(actions))
        because = _because(change) if action == "replace" else ()
        changes.append(ResourceChange(str(entry["address"]), action, because))
    outputs = plan.get("output_changes") or {}
    outputs_change = any(tuple((o or {}).get("actions") or ()) not in (("no-op",),) for o in outputs.values())
    return PlanSummary(changes, outputs_change)


def show(summary: PlanSummary, env: str, console: Console) -> None:
    """The summary as a table, destroys and replacements first and in red, then Terraform's count line."""
    if summary.no_changes:
        console.print(f"{env}: no changes", highlight=False, markup=False)
        return
    order = {"delete": 0, "replace": 1, "forget": 2, "update": 3, "create": 4}
    table = Table(title=f"{env}: planned changes", show_lines=False)
    for column in ("action", "resource", "why"):
        table.add_column(column)
    for change in sorted(summary.changes, key=lambda c: (order.get(c.action, 5), c.address)):
        style = STYLES.get(change.action, "")
        why = f"{', '.join(change.because)} forces replacement" if change.because else ""
        # Text, not markup: addresses hold brackets (module.x[0]) that markup would eat.
        table.add_row(Text(change.action, style=style), Text(change.address, style=style), Text(why))
    if summary.changes:
        console.print(table)
    console.print(Text(f"{env}: {summary.describe()}", style="bold"))
    dangerous = summary.dangerous()
    if dangerous:
        console.print(
            Text(
                f"{len(dangerous)} resource(s) will be destroyed or replaced: "
                + ", ".join(c.address for c in dangerous),
                style="bold red",
            )
        )


def markdown(summary: PlanSummary, env: str) -> str:
    """The summary for a pull-request comment: the count line, then destroys and replacements first."""
    if summary.no_changes:
        return f"### {env}: no changes\n"
    lines = [f"### {env}: {summary.describe()}", ""]
    dangerous = summary.dangerous()
    if dangerous:
        lines += [f"**{len(dangerous)} resource(s) will be destroyed or replaced.**", ""]
    order = {"delete": 0, "replace": 1, "forget": 2, "update": 3, "create": 4}
    lines += ["| action | resource | why |", "|---|---|---|"]
    for change in sorted(summary.changes, key=lambda c: (order.get(c.action, 5), c.address)):
        action = f"**{change.action}**" if change in dangerous else change.action
        why = f"{', '.join(change.because)} forces replacement" if change.because else ""
        lines.append(f"| {action} | `{change.address}` | {why} |")
    return "\n".join(lines) + "\n"
