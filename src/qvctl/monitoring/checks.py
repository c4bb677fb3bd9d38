"""The monitoring's static checks, as `qvctl validate` runs them.

- promtool check rules: every rule file (hand-written and every environment's rendered ones);
- promtool test rules: every unit test of monitoring/tests/;
- coverage: every alert tested firing and not firing, with its labels, annotations and a runbook
  heading that exists (monitoring/coverage), and no two rule files one environment loads with one name;
- promtool check config: each environment's prometheus.yml, in a folder laid out as the prometheus
  role lays out the host's (stand-ins for the certificates, the rule files flat in rules/);
- amtool check-config: each environment's alertmanager.yml, its secret placeholders filled by a
  stand-in (the alertmanager role fills them from Secrets Manager on the host).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from qvctl.context import Context
from qvctl.monitoring import coverage, rule_files, scrape
from qvctl.monitoring.alertmanager import SECRET_PLACEHOLDER
from qvctl.tools import require, search_path

_TIMEOUT = 300
_MAX_LINES = 80


def _run(ctx: Context, tool: str, args: Sequence[str], cwd: Path) -> list[str]:
    """Run a tool; [] when it succeeds, else the lines of its output (the last _MAX_LINES)."""
    env = dict(ctx.environ)
    env["PATH"] = search_path(ctx)
    done = subprocess.run([require(ctx, tool), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=_TIMEOUT, check=False)
    if done.returncode == 0:
        return []
    lines = [line.rstrip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[-_MAX_LINES:] or [f"{tool} {args[0]} exited with {done.returncode}"]


def _relative(ctx: Context, paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ctx.root)) for p in paths]


def check_rules(ctx: Context) -> list[str]:
    files = rule_files.every_rule_file(ctx.root)
    if not files:
        return [f"no rule files in {rule_files.RULES}/, {rule_files.ALERTS}/ or {rule_files.GENERATED}/*/rules/"]
    return _run(ctx, "promtool", ["check", "rules", *_relative(ctx, files)], ctx.root)


def unit_tests(ctx: Context) -> list[str]:
    files = rule_files.unit_test_files(ctx.root)
    if not files:
        return [f"no unit tests in {rule_files.TESTS}/"]
    return _run(ctx, "promtool", ["test", "rules", *_relative(ctx, files)], ctx.root)


def rule_coverage(ctx: Context) -> list[str]:
    return rule_files.name_clashes(ctx.root) + coverage.coverage_problems(ctx.root)


def check_prometheus_configs(ctx: Context) -> list[str]:
    problems = []
    for env in rule_files.rendered_environments(ctx.root):
        with tempfile.TemporaryDirectory(prefix="qv-prometheus-") as scratch:
            folder = Path(scratch)
            shutil.copy(ctx.root / rule_files.GENERATED / env / "prometheus.yml", folder / "prometheus.yml")
            # promtool checks that the TLS files exist, not what they hold.
            for name in (scrape.CA_FILE, scrape.CLIENT_CERT, scrape.CLIENT_KEY):
                (folder / name).write_text("")
            (folder / "rules").mkdir()
            for path in rule_files.loaded_by(ctx.root, env):
                shutil.copy(path, folder / "rules" / path.name)
            found = _run(ctx, "promtool", ["check", "config", "prometheus.yml"], folder)
        problems += [f"{rule_files.GENERATED}/{env}/prometheus.yml: {line}" for line in found]
    return problems


def stand_in_secrets(text: str) -> str:
    """Each ((secret:NAME)) / ((secret:NAME#KEY)) as a value both a URL and a string field accept."""
    return SECRET_PLACEHOLDER.sub(lambda m: f"https://secret.invalid/{m.group(1)}", text)


def check_alertmanager_configs(ctx: Context) -> list[str]:
    problems = []
    for env in rule_files.rendered_environments(ctx.root):
        source = ctx.root / rule_files.GENERATED / env / "alertmanager.yml"
        with tempfile.TemporaryDirectory(prefix="qv-alertmanager-") as scratch:
            folder = Path(scratch)
            (folder / "alertmanager.yml").write_text(stand_in_secrets(source.read_text(encoding="utf-8")))
            found = _run(ctx, "amtool", ["check-config", "alertmanager.yml"], folder)
        problems += [f"{source.relative_to(ctx.root)}: {line}" for line in found]
    return problems
