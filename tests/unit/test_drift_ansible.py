"""Ansible's half of `qvctl drift`: what `ansible-playbook --check --diff` says would change, per host.

The events are recorded, not written by hand: fixtures/ansible_check/play.yml ran against two
hosts (connection local) with the ansible.posix.jsonl callback qvctl uses; then, behind
Ansible's back, cache1's redis.conf got another maxmemory, db1's data folder mode 0700 and one of
db1's loop-written files another value, and the playbook ran again with --check --diff
(drift.jsonl). clean.jsonl is the same check before those edits. The file checksums the events carry
were removed (the secrets scan takes them for keys); nothing else was changed.
"""

from __future__ import annotations

from pathlib import Path

from qvctl.drift import ansible
from qvctl.platform.ansible import Playbook, PlaybookRun, parse_event
from qvctl.platform.ansible_diff import describe_result

FIXTURES = Path(__file__).parent / "fixtures" / "ansible_check"


def _recorded(name: str) -> PlaybookRun:
    run = PlaybookRun()
    for line in (FIXTURES / name).read_text().splitlines():
        parse_event(line, run)
    return run


def test_a_clean_check_finds_nothing() -> None:
    run = _recorded("clean.jsonl")
    assert run.finished, "the recording ends with the recap"
    assert ansible.findings(run) == []


def test_each_changed_file_is_named_with_its_host_and_task() -> None:
    found = ansible.findings(_recorded("drift.jsonl"))
    by_host = {(f.subject, f.what) for f in found}
    assert by_host == {
        (
            "cache1",
            "Render the service configuration: /srv/qv/hosts/cache1/etc/redis.conf: content differs (-1 +1 lines)",
        ),
        ("db1", "Keep the data folder: /srv/qv/hosts/db1/data: mode 0700 → 0750"),
        ("db1", "Write the exporter settings: /srv/qv/hosts/db1/etc/shipper.env: content differs (-1 +1 lines)"),
    }
    assert all(f.layer == "ansible" for f in found)


def test_file_content_is_never_shown() -> None:
    # The edit behind Ansible's back (maxmemory 128mb) and what Ansible would write (64mb) stay out of
    # the report: a configuration file's lines may be passwords.
    text = " ".join(f.what for f in ansible.findings(_recorded("drift.jsonl")))
    assert "128mb" not in text and "64mb" not in text and "9999" not in text


def test_a_loop_reports_only_its_changed_items() -> None:
    found = ansible.findings(_recorded("drift.jsonl"))
    assert not any("exporter.env" in f.what for f in found), "the unchanged loop item is not drift"


def test_a_change_without_diff_or_with_no_log_is_still_reported() -> None:
    assert describe_result({"changed": True}) == ["would change (the module shows no diff)"]
    assert describe_result({"changed": True, "censored": "the output has been hidden"}) == [
        "would change (no_log: details hidden)"
    ]
    assert describe_result({"changed": False, "diff": [{"before": "a", "after": "b"}]}) == []
    assert describe_result({"changed": True, "results": [{"item": "a"}]}) == ["would change (the module shows no diff)"]


def test_check_mode_runs_the_documented_command_with_check_and_diff(tmp_path: Path) -> None:
    from qvctl.context import Context

    playbook = Playbook(
        Context(root=tmp_path, environ={}), tmp_path, "inventories/local", "main.yml", {}, tmp_path / "log", check=True
    )
    assert playbook.argv("ansible-playbook") == [
        "ansible-playbook",
        "-i",
        "inventories/local",
        "main.yml",
        "--check",
        "--diff",
    ]
    assert "--check" not in Playbook(
        Context(root=tmp_path, environ={}), tmp_path, "inventories/local", "main.yml", {}, tmp_path / "log"
    ).argv("ansible-playbook")
