"""The cloud hosts' backup timers, rendered by Ansible itself from the pgbackrest role's templates,
with the spec's schedules of prod: a timer per backup type whose OnCalendar systemd accepts, and a
service that runs only where Patroni answers /primary."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
ROLE = ANSIBLE / "roles" / "pgbackrest"
PROD = yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text())


def _render(template: str, item: list[object], dest: Path) -> str:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    variables = {
        "item": item, "pgbackrest_stanza": "quantumvest-prod", "pgbackrest_user": "postgres",
        "pgbackrest_group": "postgres", "qv_host_ca_cert": "/etc/quantumvest/pki/ca.crt", "qv_address": "10.40.64.10",
        "pgbackrest_patroni_port": 8008, "ansible_python_interpreter": sys.executable,
        "qv_pgbackrest_command": "/usr/bin/pgbackrest --config=/etc/quantumvest/pgbackrest/pgbackrest.conf "
                                 "--stanza=quantumvest-prod",
    }
    assert {"pgbackrest_schedules", "pgbackrest_patroni_port"} <= set(defaults)
    extra = dest.with_suffix(".vars.json")
    extra.write_text(json.dumps(variables))
    env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "ansible"), "localhost", "-c", "local", "-i", "localhost,",
                           "-m", "ansible.builtin.template", "-a", f"src={ROLE / 'templates' / template} dest={dest}",
                           "-e", f"@{extra}"], cwd=ANSIBLE, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return dest.read_text()


SCHEDULES = [("full", "full", []), ("diff", "differential", ["full"]), ("incr", "incremental", ["full", "diff"])]


@pytest.mark.parametrize(("kind", "field", "after"), SCHEDULES)
def test_each_backup_type_gets_a_timer_systemd_accepts(tmp_path: Path, kind: str, field: str,
                                                       after: list[str]) -> None:
    cron = PROD["backup"]["schedule"][field]
    item = [{"type": kind, "field": field, "cron": cron, "after": after}, "timer"]
    timer = _render("backup.timer.j2", item, tmp_path / f"quantumvest-backup-{kind}.timer")
    calendar = re.search(r"^OnCalendar=(.+)$", timer, re.MULTILINE)
    assert calendar is not None
    assert f"Unit=quantumvest-backup-{kind}.service" in timer and "Persistent=false" in timer
    if shutil.which("systemd-analyze"):
        checked = subprocess.run(["systemd-analyze", "calendar", calendar.group(1)], capture_output=True, text=True,
                                 check=False)
        assert checked.returncode == 0, checked.stderr
        assert f"Normalized form: {calendar.group(1)}" in checked.stdout


@pytest.mark.parametrize(("kind", "field", "after"), SCHEDULES)
def test_the_service_backs_up_only_on_the_leader(tmp_path: Path, kind: str, field: str, after: list[str]) -> None:
    item = [{"type": kind, "field": field, "cron": "0 2 * * *", "after": after}, "service"]
    service = _render("backup.service.j2", item, tmp_path / f"quantumvest-backup-{kind}.service")
    assert "ExecCondition=/usr/bin/curl --fail" in service
    assert "https://10.40.64.10:8008/primary" in service and "--cacert /etc/quantumvest/pki/ca.crt" in service
    assert re.search(rf"^ExecStart=/usr/bin/pgbackrest .*--stanza=quantumvest-prod --type={kind} backup$", service,
                     re.MULTILINE)
    waits = re.findall(r"^After=(quantumvest-backup-.*)$", service, re.MULTILINE)
    assert waits == ([" ".join(f"quantumvest-backup-{a}.service" for a in after)] if after else [])
    assert "User=postgres" in service
