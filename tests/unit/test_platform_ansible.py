"""Ansible through ansible-playbook: the recap read as data, the failing task's own message surfaced.

Parsing is tested on jsonl events; the wrapper runs the real ansible-playbook on a two-task
playbook against localhost (connection local), which takes a few seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qvctl.context import Context, QvError
from qvctl.platform.ansible import Playbook, PlaybookRun, explain_failure, parse_event


def parse_events(text: str) -> PlaybookRun:
    """A whole run's output, line by line, as qvctl reads it while the playbook runs."""
    run = PlaybookRun()
    for line in text.splitlines():
        parse_event(line, run)
    return run


def _event(kind: str, **fields: object) -> str:
    return json.dumps({"_event": kind, **fields})


STATS = _event("v2_playbook_on_stats", stats={
    "db1": {"ok": 12, "changed": 0, "failures": 0, "unreachable": 0, "skipped": 3, "rescued": 0, "ignored": 0},
    "app1": {"ok": 9, "changed": 0, "failures": 0, "unreachable": 0, "skipped": 1, "rescued": 0, "ignored": 0},
})


def test_the_recap_says_no_changes() -> None:
    run = parse_events(STATS)
    assert run.finished and run.changed == 0 and run.failed_hosts == []
    assert run.describe() == "no changes (changed=0 on 2 hosts, ok=21)"


def test_changes_are_summed_over_hosts() -> None:
    stats = json.loads(STATS)
    stats["stats"]["db1"]["changed"] = 4
    stats["stats"]["app1"]["changed"] = 2
    run = parse_events(json.dumps(stats))
    assert run.changed == 6 and "changed=6" in run.describe()


def test_the_failing_tasks_message_is_surfaced() -> None:
    lines = [
        _event("v2_runner_on_start", task={"name": "Start Patroni"}, hosts={}),
        _event("v2_runner_on_failed", task={"name": "Wait for PostgreSQL"},
               hosts={"db1": {"msg": "Timeout when waiting for 127.0.1.1:5432", "failed": True}}),
        _event("v2_playbook_on_stats", stats={"db1": {"ok": 3, "changed": 1, "failures": 1, "unreachable": 0}}),
    ]
    run = parse_events("\n".join(lines))
    assert run.failed_hosts == ["db1"]
    assert explain_failure(run, 2, "") == (
        "task 'Wait for PostgreSQL' failed on db1: Timeout when waiting for 127.0.1.1:5432"
    )


def test_a_rescued_failure_is_not_blamed() -> None:
    lines = [
        _event("v2_runner_on_failed", task={"name": "Try the fast path"}, hosts={"app1": {"msg": "nope"}}),
        _event("v2_runner_on_failed", task={"name": "Render nginx.conf"},
               hosts={"edge1": {"msg": "AnsibleUndefinedVariable: 'nginx_port' is undefined"}}),
        _event("v2_playbook_on_stats", stats={
            "app1": {"ok": 3, "changed": 0, "failures": 0, "unreachable": 0, "rescued": 1},
            "edge1": {"ok": 1, "changed": 0, "failures": 1, "unreachable": 0}}),
    ]
    run = parse_events("\n".join(lines))
    assert explain_failure(run, 2, "").startswith("task 'Render nginx.conf' failed on edge1: AnsibleUndefinedVariable")


def test_the_first_host_to_stop_is_named_as_the_cause_and_the_others_counted() -> None:
    lines = [
        _event("v2_runner_on_failed", task={"name": "Ask Patroni for the cluster until a leader runs"},
               hosts={"db1": {"msg": "OK (unknown bytes)"}}),
        _event("v2_runner_on_failed", task={"name": "Converge the cluster's failover timings"},
               hosts={"db1": {"msg": "client certificate not found"}}),
        _event("v2_runner_on_failed", task={"name": "Wait for the API to be ready"},
               hosts={"app2": {"msg": "Status code was 503"}}),
        _event("v2_runner_on_failed", task={"name": "Wait for the API to be ready"},
               hosts={"app1": {"msg": "Status code was 503"}}),
        _event("v2_playbook_on_stats", stats={
            host: {"ok": 1, "changed": 0, "failures": 1, "unreachable": 0} for host in ("db1", "app1", "app2")}),
    ]
    assert explain_failure(parse_events("\n".join(lines)), 2, "") == (
        "task 'Converge the cluster's failover timings' failed on db1: client certificate not found"
        " (and 2 other hosts)"
    )


def test_an_error_before_any_task_is_ansibles_own_line() -> None:
    stderr = "[WARNING]: something harmless\nERROR! the playbook: missing.yml could not be found\n"
    assert explain_failure(parse_events(""), 1, stderr) == "ERROR! the playbook: missing.yml could not be found"


PLAYBOOK = """
- name: Tiny
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Write a file
      ansible.builtin.copy:
        content: "hello\\n"
        dest: "{{ target }}"
        mode: "0644"
    - name: Fail on request
      ansible.builtin.fail:
        msg: "the database refused: password authentication failed for user quantumvest_app"
      when: fail_now | default(false) | bool
"""


@pytest.fixture
def playbook(tmp_path: Path) -> Path:
    folder = tmp_path / "ansible"
    (folder / "inventories" / "test").mkdir(parents=True)
    (folder / "inventories" / "test" / "hosts.yml").write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    (folder / "ansible.cfg").write_text("[defaults]\nretry_files_enabled = false\n")
    (folder / "main.yml").write_text(PLAYBOOK)
    return folder


def _playbook(folder: Path, tmp_path: Path, fail_now: bool = False) -> Playbook:
    """The playbook as qvctl runs it (no -e): what the run needs is in the inventory."""
    group_vars = folder / "inventories" / "test" / "group_vars"
    group_vars.mkdir(exist_ok=True)
    (group_vars / "all.yml").write_text(f"target: {tmp_path / 'out.txt'}\nfail_now: {str(fail_now).lower()}\n")
    ctx = Context(root=tmp_path, environ=dict(os.environ))
    return Playbook(ctx, folder, "inventories/test", "main.yml", {}, tmp_path / "logs" / "ansible.log")


def test_the_real_playbook_changes_then_changes_nothing(playbook: Path, tmp_path: Path) -> None:
    first = _playbook(playbook, tmp_path).run()
    assert first.changed == 1
    second = _playbook(playbook, tmp_path).run()
    assert second.changed == 0 and second.describe().startswith("no changes")
    assert "RECAP" in (tmp_path / "logs" / "ansible.log").read_text()


def test_the_real_playbook_failure_names_the_task_and_its_message(playbook: Path, tmp_path: Path) -> None:
    with pytest.raises(QvError) as failed:
        _playbook(playbook, tmp_path, fail_now=True).run()
    assert failed.value.message == (
        "ansible-playbook: task 'Fail on request' failed on localhost: "
        "the database refused: password authentication failed for user quantumvest_app"
    )
