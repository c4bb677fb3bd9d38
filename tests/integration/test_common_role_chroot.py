"""The host hardening role (ansible/roles/common) run for real against a Debian chroot host.

A minimal bookworm image with the role's packages (tests/chroot_host.py, cached under .tools/)
is copied for this module; the role runs twice on a dev database host through the
community.general.chroot connection, then the result is checked with the hosts' own tools inside
the chroot. Nothing acts on this machine: the role runs with common_apply_to_running_host false
(no sysctl applied, no firewall or audit rules loaded, no service started) and every command,
Ansible's included, runs in namespaces of its own (no network, no hostname, no mounts shared).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import chroot_host
from tests.ansible_sandbox import changed_tasks, playbook_argv, playbook_environ, recap, sandbox

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "ansible" / "roles" / "common"
DEFAULTS: dict[str, Any] = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
# What Ansible itself needs on a host (its modules, the apt module's bindings), besides the role's packages.
ANSIBLE_NEEDS = ["python3", "python3-apt"]
HOST = "quantumvest-dev-db-1"
# A documentation network (RFC 5737) as the management network: it must reach the firewall's SSH rule.
MANAGEMENT = "198.51.100.0/24"


@dataclass(frozen=True)
class Hardened:
    root: Path
    first: dict[str, int]
    second: dict[str, int]
    second_changed: list[str]
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hardened]:
    seconds: dict[str, float] = {}
    started = time.monotonic()
    image = chroot_host.cached_image([*DEFAULTS["common_packages"], *ANSIBLE_NEEDS])
    seconds["image"] = time.monotonic() - started
    work = tmp_path_factory.mktemp("hardening")
    started = time.monotonic()
    root = chroot_host.copy_image(image, work / "root")
    seconds["copy"] = time.monotonic() - started
    playbook = sandbox(
        work / "repo",
        "dev",
        "database",
        HOST,
        root,
        ["common"],
        {
            "common_apply_to_running_host": False,
            "common_apt_update_cache": False,
            "common_ssh_management_cidrs": [MANAGEMENT],
        },
    )
    try:
        runs = []
        for label in ("first run", "second run"):
            started = time.monotonic()
            done = chroot_host.isolated(*playbook_argv(playbook), env=playbook_environ(), cwd=playbook.parent)
            seconds[label] = time.monotonic() - started
            assert done.returncode == 0, f"{label} of the role failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
            runs.append(done.stdout)
        print(f"\ncommon role in a chroot: {', '.join(f'{k} {v:.1f}s' for k, v in seconds.items())}")
        yield Hardened(root, recap(runs[0], HOST), recap(runs[1], HOST), changed_tasks(runs[1], HOST), seconds)
    finally:
        shutil.rmtree(root)  # a whole Debian system per run: pytest would keep the last three


def _in(hardened: Hardened, *argv: str) -> str:
    done = chroot_host.in_chroot(hardened.root, *argv)
    assert done.returncode == 0, f"{' '.join(argv)} failed in the chroot: {done.stderr or done.stdout}"
    return done.stdout


def _file(hardened: Hardened, path: str) -> str:
    return (hardened.root / path.lstrip("/")).read_text()


def test_first_run_writes_the_hardening(hardened: Hardened) -> None:
    assert hardened.first["failures"] == 0
    # The five files: SSH drop-in, sysctl, unattended-upgrades, audit rules, firewall.
    assert hardened.first["changed"] >= 5, hardened.first


def test_second_run_changes_nothing(hardened: Hardened) -> None:
    assert hardened.second["changed"] == 0, f"not idempotent: {hardened.second_changed}"
    assert hardened.second["failures"] == 0


def test_sshd_accepts_the_configuration_and_allows_keys_only(hardened: Hardened) -> None:
    _in(hardened, "/usr/sbin/sshd", "-t")
    effective = dict(line.split(" ", 1) for line in _in(hardened, "/usr/sbin/sshd", "-T").splitlines() if " " in line)
    assert effective["permitrootlogin"] == "no"
    assert effective["passwordauthentication"] == "no"
    assert effective["kbdinteractiveauthentication"] == "no"
    assert effective["pubkeyauthentication"] == "yes"
    assert effective["authenticationmethods"] == "publickey"
    assert effective["port"] == str(DEFAULTS["common_ssh_port"])


def test_sshd_drop_in_wins_over_a_later_one_that_allows_passwords(hardened: Hardened) -> None:
    """cloud-init's 50-cloud-init.conf may say `PasswordAuthentication yes`: sshd keeps the first value."""
    later = hardened.root / "etc/ssh/sshd_config.d/50-cloud-init.conf"
    later.write_text("PasswordAuthentication yes\nPermitRootLogin yes\n")
    try:
        effective = _in(hardened, "/usr/sbin/sshd", "-T").splitlines()
    finally:
        later.unlink()
    assert "passwordauthentication no" in effective
    assert "permitrootlogin no" in effective


def test_sysctl_file_holds_the_roles_settings(hardened: Hardened) -> None:
    settings = {}
    for line in _file(hardened, DEFAULTS["common_sysctl_file"]).splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = (part.strip() for part in line.split("=", 1))
            settings[key] = value
    assert settings == {key: str(value) for key, value in DEFAULTS["common_sysctl_settings"].items()}
    assert settings["net.ipv4.conf.all.rp_filter"] == "1"
    assert settings["net.ipv4.conf.all.accept_redirects"] == "0"
    assert settings["kernel.kptr_restrict"] == "2"


def test_nft_accepts_the_ruleset_in_check_mode(hardened: Hardened) -> None:
    # -c: parsed and checked, never loaded (and in a network namespace of its own even so).
    _in(hardened, "/usr/sbin/nft", "-c", "-f", DEFAULTS["common_nftables_file"])


def test_firewall_opens_the_database_ports_and_ssh_from_management_only(hardened: Hardened) -> None:
    ruleset = _file(hardened, DEFAULTS["common_nftables_file"])
    spec_ports = yaml.safe_load((ROOT / "environments/shared/ports.yaml").read_text())["ports"]
    wanted = sorted(spec_ports[name] for name in set(DEFAULTS["common_firewall_group_services"]["database"]))
    opened = re.search(r"ip saddr @environment tcp dport \{ ([\d, ]+) \} accept", ruleset)
    assert opened is not None, ruleset
    assert sorted(int(port) for port in opened[1].split(",")) == wanted
    assert re.search(rf"ip saddr @management tcp dport {DEFAULTS['common_ssh_port']} accept", ruleset)
    assert f"elements = {{ {MANAGEMENT} }}" in ruleset
    assert "policy drop;" in ruleset.split("chain input", 1)[1].split("}", 1)[0]


def test_unattended_upgrades_take_security_updates_only(hardened: Hardened) -> None:
    dump = _in(hardened, "apt-config", "dump")
    assert 'APT::Periodic::Unattended-Upgrade "1";' in dump
    assert 'APT::Periodic::Update-Package-Lists "1";' in dump
    origins = re.findall(r'^Unattended-Upgrade::Origins-Pattern:: "(.*)";$', dump, re.M)
    assert origins == DEFAULTS["common_unattended_origins"]
    assert origins and all("Debian-Security" in origin for origin in origins)
    assert 'Unattended-Upgrade::Automatic-Reboot "false";' in dump


def test_audit_rules_watch_identities_privileges_sshd_time_and_modules(hardened: Hardened) -> None:
    rules = [
        line
        for line in _file(hardened, DEFAULTS["common_audit_rules_file"]).splitlines()
        if line and not line.startswith("#")
    ]
    watched = {match[1]: match[2] for line in rules if (match := re.fullmatch(r"-w (\S+) -p wa -k (\S+)", line))}
    for path in (
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/gshadow",
        "/etc/sudoers",
        "/etc/sudoers.d",
        "/etc/ssh/sshd_config",
        "/etc/ssh/sshd_config.d",
        "/etc/localtime",
    ):
        assert path in watched, f"{path} is not watched"
    syscalls: dict[str, set[str]] = {}
    for line in rules:
        if match := re.fullmatch(r"-a always,exit -F arch=(b64|b32) -S (\S+) -k (\S+)", line):
            syscalls.setdefault(match[3], set()).update(f"{match[1]}:{name}" for name in match[2].split(","))
        else:
            assert line.startswith("-w "), f"an audit rule this test cannot read: {line}"
    assert {"b64:clock_settime", "b64:settimeofday", "b64:adjtimex", "b32:clock_settime"} <= syscalls["time-change"]
    assert {"b64:init_module", "b64:finit_module", "b64:delete_module", "b32:init_module"} <= syscalls["modules"]


def test_audit_rules_name_only_system_calls_the_architecture_has(hardened: Hardened) -> None:
    """`auditctl` would reject an unknown name, but it talks to the kernel: ausyscall reads only tables."""
    rules = _file(hardened, DEFAULTS["common_audit_rules_file"])
    checked = 0
    for arch, names in re.findall(r"-F arch=(b64|b32) -S (\S+)", rules):
        machine = "x86_64" if arch == "b64" else "i386"
        for name in names.split(","):
            done = chroot_host.in_chroot(hardened.root, "ausyscall", machine, name, "--exact")
            assert done.returncode == 0, f"{name} is not a {machine} system call: {done.stderr.strip()}"
            checked += 1
    assert checked > 0
