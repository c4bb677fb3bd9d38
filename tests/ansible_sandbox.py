"""Running the project's roles against a host of a test's own, never against this machine.

A sandbox is a folder laid out like the repository (`ansible/inventories/<env>/`, `environments/`
and `ansible/group_vars/` linked to the real ones), so the spec reaches the hosts through the
project's own vars plugin and group variables, exactly as for `main.yml`. Its one inventory host
is a chroot (`community.general.chroot`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from ansible.template import trust_as_template

ROOT = Path(__file__).resolve().parents[1]
ANSIBLE = ROOT / "ansible"
# The tools of the virtualenv running the tests (the project's .venv).
VENV_BIN = Path(sys.executable).parent


def sandbox(
    tmp: Path, environment: str, group: str, host: str, chroot: Path, roles: list[str], variables: dict[str, Any]
) -> Path:
    """Write a playbook applying `roles` to `host` (in `group`) of `environment`; returns its path."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "environments").symlink_to(ROOT / "environments")
    ansible = tmp / "ansible"
    inventory = ansible / "inventories" / environment
    inventory.mkdir(parents=True)
    (ansible / "group_vars").symlink_to(ANSIBLE / "group_vars")
    host_vars = {
        "ansible_connection": "community.general.chroot",
        "ansible_host": str(chroot),
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {group: {"hosts": {host: host_vars}}}}}))
    playbook = ansible / "playbook.yml"
    playbook.write_text(
        yaml.safe_dump(
            [{"name": "Roles under test", "hosts": "all", "gather_facts": False, "vars": variables, "roles": roles}],
            sort_keys=False,
        )
    )
    return playbook


def playbook_argv(playbook: Path) -> list[str]:
    inventory = playbook.parent / "inventories"
    (environment,) = [p.name for p in inventory.iterdir()]
    return [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory / environment), str(playbook)]


def playbook_environ() -> dict[str, str]:
    """The repository's ansible.cfg (roles, vars plugin), a recap that can be parsed."""
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
    }


def recap(stdout: str, host: str) -> dict[str, int]:
    """The play recap of `host` (ok, changed, failed...) from the json callback's output."""
    stats: dict[str, int] = json.loads(stdout)["stats"][host]
    return stats


def changed_tasks(stdout: str, host: str) -> list[str]:
    """The names of the tasks that reported a change on `host` (to say which one is not idempotent)."""
    names = []
    for play in json.loads(stdout)["plays"]:
        for task in play["tasks"]:
            if task["hosts"].get(host, {}).get("changed"):
                names.append(task["task"]["name"])
    return names


def trusted(value: Any) -> Any:
    """Values read from the repository's YAML, marked as templates Ansible may render (as its loader does)."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {k: trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return value


def load_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded
