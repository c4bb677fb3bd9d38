"""The external tools qvctl drives: how to find each, read its version, and install it.

`require(ctx, name)` is what every command calls before running a tool, so a missing
tool always produces the same line `qvctl doctor` prints for it.
"""

from __future__ import annotations

import glob
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus

APT = "make bootstrap (apt-get install -y {})"
PIP = "make bootstrap (pip install {} into .venv)"


@dataclass(frozen=True)
class Tool:
    name: str
    purpose: str
    commands: tuple[str, ...]  # the first one found is used
    version_args: tuple[str, ...]
    install: str
    extra_globs: tuple[str, ...] = ()  # where Debian keeps binaries off the PATH
    version_pattern: str = r"(\d+\.\d+(?:\.\d+)?)"
    # A console script of a Python package: ask the interpreter beside it for the version.
    python_script: bool = False


TOOLS: tuple[Tool, ...] = (
    Tool("terraform", "provisions AWS (and the emulator locally)", ("terraform",), ("version",),
         "install Terraform 1.11 from HashiCorp's packages (it is not in Debian)"),
    Tool("ansible", "configures the hosts", ("ansible-playbook",), ("--version",), PIP.format("ansible-core ansible")),
    Tool("kubectl", "applies the rendered manifests", ("kubectl",), ("version", "--client"),
         "install kubectl 1.32 from the Kubernetes project's packages (it is not in Debian)"),
    Tool("postgresql", "database server binaries (initdb, postgres, pg_ctl)", ("postgres",), ("--version",),
         APT.format("postgresql-15"), extra_globs=("/usr/lib/postgresql/*/bin/postgres",)),
    Tool("patroni", "PostgreSQL high availability", ("patroni",), ("--version",), APT.format("patroni")),
    Tool("pgbackrest", "backups and point-in-time restore", ("pgbackrest",), ("version",), APT.format("pgbackrest")),
    Tool("etcd", "Patroni's consensus store", ("etcd",), ("--version",), APT.format("etcd-server etcd-client")),
    Tool("redis", "the cache", ("redis-server",), ("--version",), APT.format("redis-server"),
         version_pattern=r"v=(\d+\.\d+\.\d+)"),
    Tool("nginx", "TLS edge and local ingress", ("nginx",), ("-v",), APT.format("nginx"),
         extra_globs=("/usr/sbin/nginx",)),
    Tool("prometheus", "metrics", ("prometheus",), ("--version",), APT.format("prometheus")),
    Tool("promtool", "unit tests of alert rules", ("promtool",), ("--version",), APT.format("prometheus")),
    Tool("alertmanager", "alert routing", ("alertmanager", "prometheus-alertmanager"), ("--version",),
         APT.format("prometheus-alertmanager")),
    Tool("amtool", "alert routing tests", ("amtool",), ("--version",), APT.format("prometheus-alertmanager")),
    Tool("node-exporter", "host metrics", ("prometheus-node-exporter",), ("--version",),
         APT.format("prometheus-node-exporter")),
    Tool("postgres-exporter", "PostgreSQL metrics", ("prometheus-postgres-exporter",), ("--version",),
         APT.format("prometheus-postgres-exporter")),
    Tool("blackbox-exporter", "probes of the edge and TLS endpoints", ("prometheus-blackbox-exporter",),
         ("--version",), APT.format("prometheus-blackbox-exporter")),
    Tool("supervisord", "the local init system", ("supervisord",), ("--version",), APT.format("supervisor"),
         version_pattern=r"(\d+\.\d+(?:\.\d+)?)"),
    Tool("moto", "the AWS emulator of the local environment", ("moto_server",),
         ("-c", "import moto; print(moto.__version__)"), PIP.format("moto[server]"),
         version_pattern=r"(\d+\.\d+\.\d+)", python_script=True),
    Tool("checkov", "policy checks of Terraform and manifests", ("checkov",), ("--version",),
         "make bootstrap (pip install checkov into .tools/checkov)"),
    Tool("cyclonedx-py", "the API image's software bill of materials (qvctl sbom)", ("cyclonedx-py",),
         ("--version",), PIP.format("cyclonedx-bom")),
    Tool("nft", "network partitions in the database drills (qvctl dr)", ("nft",), ("--version",),
         APT.format("nftables"), extra_globs=("/usr/sbin/nft",), version_pattern=r"v(\d+\.\d+\.\d+)"),
    Tool("wrk", "load for benchmarks and drills", ("wrk",), ("--version",), APT.format("wrk"),
         version_pattern=r"wrk \S*?(\d+\.\d+\.\d+)"),
)


def search_path(ctx: Context) -> str:
    """PATH plus the project's own tool folders, so `.venv/bin/qvctl` works without activating."""
    # The project's own pinned tools come before whatever else the PATH holds.
    dirs = [str(Path(sys.executable).parent)]
    dirs.extend(sorted(glob.glob(str(ctx.tools_dir / "*" / "bin"))))
    dirs.append(ctx.environ.get("PATH", ""))
    return ":".join(d for d in dirs if d)


def locate(ctx: Context, tool: Tool) -> str | None:
    import shutil

    path = search_path(ctx)
    for command in tool.commands:
        found = shutil.which(command, path=path)
        if found:
            return found
    for pattern in tool.extra_globs:
        matches = sorted(glob.glob(pattern))
        if matches:
            return matches[-1]
    return None


def version_of(executable: str, tool: Tool) -> str | None:
    command = [executable, *tool.version_args]
    if tool.python_script:
        command = [str(Path(executable).parent / "python"), *tool.version_args]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(tool.version_pattern, done.stdout + done.stderr)
    return match.group(1) if match else None


def by_name(name: str) -> Tool:
    for tool in TOOLS:
        if tool.name == name:
            return tool
    raise KeyError(name)


def missing_line(tool: Tool) -> str:
    return f"{tool.name} is missing ({tool.purpose}); install: {tool.install}"


def require(ctx: Context, name: str) -> str:
    """The tool's executable, or QvError(MISSING_TOOL) with the line `qvctl doctor` prints."""
    tool = by_name(name)
    found = locate(ctx, tool)
    if found is None:
        raise QvError(missing_line(tool), ExitStatus.MISSING_TOOL)
    return found
