"""Static checks of the Ansible side: syntax, ansible-lint (production profile), and the
cross-layer facts the playbook relies on (inventory = spec, API variables = documented ones).

The real run (supervisord, emulator, every service up, second run changed=0) is the
end-to-end test of the local platform.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
VENV_BIN = ROOT / ".venv" / "bin"
ROLES = ("qv_service", "qv_pki", "etcd", "patroni", "redis", "api", "nginx", "prometheus")
GROUPS = ("database", "database_dr", "cache", "app", "edge", "observability")


def _tool(name: str) -> str:
    path = VENV_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: install the project's virtualenv (make venv)")
    return str(path)


def _run(*argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(argv, cwd=ANSIBLE, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _spec(env: str = "local") -> dict:
    return yaml.safe_load((ROOT / "environments" / f"{env}.yaml").read_text())


def test_playbook_passes_syntax_check() -> None:
    done = _run(_tool("ansible-playbook"), "-i", "inventories/local", "main.yml", "--syntax-check")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow  # many seconds of tool time: make test runs it, make test-fast does not
def test_roles_pass_ansible_lint_production_profile() -> None:
    done = _run(_tool("ansible-lint"), "--offline", "-p", timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "Profile 'production' was required, and it passed" in done.stderr + done.stdout


def test_every_role_has_the_standard_layout() -> None:
    # handlers/ and templates/ exist where a role has handlers or templates.
    for role in sorted(p.name for p in (ANSIBLE / "roles").iterdir() if p.is_dir()):
        for folder in ("defaults", "tasks", "meta"):
            assert (ANSIBLE / "roles" / role / folder).is_dir(), f"roles/{role}/{folder} is missing"


def test_no_task_ignores_errors() -> None:
    offenders = [
        str(path.relative_to(ANSIBLE)) for path in ANSIBLE.rglob("*.yml") if "ignore_errors" in path.read_text()
    ]
    assert offenders == []


def test_local_inventory_is_the_spec_hosts() -> None:
    done = _run(_tool("ansible-inventory"), "-i", "inventories/local", "--list")
    assert done.returncode == 0, done.stderr
    inventory = json.loads(done.stdout)
    hostvars = inventory["_meta"]["hostvars"]
    spec_hosts = _spec()["hosts"]
    assert set(spec_hosts) == set(GROUPS)
    for group, wanted in spec_hosts.items():
        hosts = inventory[group]["hosts"]
        addresses = [hostvars[host]["ansible_host"] for host in hosts]
        assert sorted(addresses) == sorted(wanted["addresses"]), group
        assert len(hosts) == wanted["count"], group
    for host, facts in hostvars.items():
        assert facts["ansible_connection"] == "local", host
        assert facts["qv_init_system"] == "supervisor", host


def test_spec_values_reach_the_hosts_through_the_vars_plugin(tmp_path: Path) -> None:
    """The environment name comes from the inventory folder; values from environments/local.yaml."""
    spec = _spec()
    expression = (
        "{{ [qv_environment, qv_db_name, qv_domain, qv_api_port | int, qv_host_dir, "
        "qv_secret_names.database_app, qv_aws_region] | to_json }}"
    )
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
    }
    done = subprocess.run(
        [
            _tool("ansible"),
            "-i",
            "inventories/local",
            "app2",
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={expression}",
            "-e",
            f"qv_state_dir={tmp_path}",
            # Terraform's outputs normally come from the environment's state (the qv_platform lookup).
            "-e",
            json.dumps({"qv_terraform": {"primary_region": spec["regions"]["primary"], "secret_names": {
                "database_app": f"{spec['project']}/local/database/app"}}}),
        ],
        cwd=ANSIBLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    message = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]["app2"]["msg"]
    values = json.loads(message) if isinstance(message, str) else message
    assert values == [
        "local",
        spec["database"]["name"],
        spec["domain"],
        spec["application"]["port"],
        f"{tmp_path}/hosts/app2",
        f"{spec['project']}/local/database/app",
        spec["regions"]["primary"],
    ]


def test_api_environment_is_the_documented_one() -> None:
    """Every variable the api role sets is one the API documents, and every required one is set."""
    documented = yaml.safe_load((ROOT / "services/api/config/environment-variables.yaml").read_text())
    names = {item["name"] for item in documented["variables"]}
    required = {item["name"] for item in documented["variables"] if item.get("required")}
    defaults = yaml.safe_load((ANSIBLE / "roles/api/defaults/main.yml").read_text())
    parts = ("api_base_environment", "api_auth_environment", "api_jwks_url_environment", "api_jwks_file_environment",
             "api_redis_tls_environment")
    set_by_role = {name for part in parts for name in defaults[part]}
    assert all(part in defaults["api_environment"] for part in parts), "a part the role never combines"
    assert set_by_role <= names, f"undocumented: {sorted(set_by_role - names)}"
    assert required <= set_by_role, f"required but not set: {sorted(required - set_by_role)}"
    secret = {item["name"] for item in documented["variables"] if item.get("secret")}
    passed_inline = sorted(name for name in secret & set_by_role if not name.endswith("_FILE"))
    assert passed_inline == [], "secrets reach the API through files, never as values in its environment"


def test_no_secret_value_in_the_ansible_tree() -> None:
    """Passwords come from Secrets Manager lookups: any password/secret setting is a template."""
    setting = re.compile(r"(password|requirepass|secret_key|access_key)\s*[:=]\s*(?P<value>\S.*)$", re.I)
    # The emulator's fixed, public test credentials are the one allowed literal.
    # Grafana reads its admin password from a file the role writes from Secrets Manager.
    allowed = {("inventories/local/group_vars/all.yml", "test"),
               ("roles/grafana/templates/grafana.ini.j2", "$__file{/etc/grafana/admin_password}")}
    found = []
    for path in ANSIBLE.rglob("*"):
        if not path.is_file() or path.suffix not in {".yml", ".yaml", ".j2", ".cfg"}:
            continue
        relative = str(path.relative_to(ANSIBLE))
        for line in path.read_text().splitlines():
            match = setting.search(line.split("#", 1)[0])
            if match and "{{" not in match["value"] and (relative, match["value"].strip()) not in allowed:
                found.append(f"{relative}: {line.strip()}")
    assert found == []


def test_plain_http_in_the_ansible_tree_only_where_it_never_leaves_the_host() -> None:
    """Every component speaks TLS; the two plain-HTTP URLs left are named here with their reason."""
    allowed = {
        # nginx's stub_status, read by the exporter on the same host (nginx.conf.j2 allows no one else).
        ("roles/nginx/tasks/main.yml", "http://{{ qv_address }}:{{ nginx_status_port }}/stub_status"),
        # the local AWS emulator on the controller (the cloud has no such endpoint).
        ("inventories/local/group_vars/all.yml", "http://{{ qv_spec.emulator.address }}:{{ qv_spec.emulator.port }}"),
    }
    url = re.compile(r"http://(?:\{\{[^}]*\}\}|[^\s\"'{])+")  # Jinja expressions hold spaces
    found = {(str(path.relative_to(ANSIBLE)), match)
             for path in ANSIBLE.rglob("*") if path.is_file() and path.suffix in {".yml", ".yaml", ".j2"}
             for line in path.read_text().splitlines() for match in url.findall(line.split(" #", 1)[0])}
    assert found == allowed


def test_missing_environment_spec_is_a_clear_error(tmp_path: Path) -> None:
    """An inventory folder whose environment has no spec file fails naming the file it looked for."""
    inventory = tmp_path / "ansible" / "inventories" / "ghost"
    inventory.mkdir(parents=True)
    (inventory / "hosts.yml").write_text("all:\n  hosts:\n    lonely: {ansible_connection: local}\n")
    done = _run(_tool("ansible-inventory"), "-i", str(inventory), "--host", "lonely")
    assert done.returncode != 0
    assert f"cannot load the environment spec {tmp_path}/environments/ghost.yaml" in done.stderr
