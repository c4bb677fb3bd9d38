"""The local platform end to end: up, through nginx, up again (no changes), the documented workflow
by hand, status, a killed API instance under traffic, down (nothing left); then failures: a broken
tfvars, a missing tool, a concurrent `up`.

The platform is the session's shared one (conftest.py), brought up from a checkout inside a
mode-700 folder. This module runs last: its last tests take the platform down. Claims are checked
with the tools' own output: Terraform's change summary and Ansible's recap in the run logs,
`ss -ltn` for listening sockets, curl with the environment CA.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from qvctl.platform import credentials, emulator, procscan

from ..waiting import wait_until
from .conftest import (
    CHECKOUT,
    EDGE,
    EMULATOR,
    ENVIRONMENT,
    HOST_ADDRESSES,
    ROOT,
    SPEC,
    Platform,
    listening_sockets,
    qvctl,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def trust(platform: Platform) -> ssl.SSLContext:
    return platform.trust()


def terraform_change_summary(state: Path, log: str = "terraform-plan.log") -> dict[str, int]:
    for line in reversed((state / "logs" / log).read_text().splitlines()):
        if '"type":"change_summary"' in line:
            return json.loads(line)["changes"]
    raise AssertionError("no change_summary line in Terraform's apply output")


def ansible_recap(state: Path) -> dict[str, dict[str, int]]:
    for line in (state / "logs" / "ansible.log").read_text().splitlines():
        if line.startswith("RECAP "):
            return json.loads(line[len("RECAP "):])
    raise AssertionError("no PLAY RECAP in the Ansible log")


def test_cold_up_ends_with_the_endpoint_table_and_the_state_folder(platform: Platform) -> None:
    out = platform.cold.stdout
    assert f"https://{EDGE}/api/v1/portfolios" in out
    assert f"state folder: {platform.state}" in out
    for step in ("start the AWS emulator", "terraform plan", "terraform apply", "ansible-playbook main.yml",
                 "health: every component", "health: portfolio through nginx"):
        assert f"✓ {step}" in out, f"step {step!r} not reported done"
    print(f"cold up: {platform.cold_seconds:.1f}s")


def test_curl_with_the_environment_ca_gets_readyz_through_nginx(platform: Platform) -> None:
    done = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(platform.ca),
                           f"https://{EDGE}/readyz"], capture_output=True, text=True, timeout=30, check=False)
    assert done.stdout == "200", done.stderr
    redirect = httpx.get(f"http://{EDGE}/readyz", follow_redirects=False, timeout=10)
    assert redirect.status_code in (301, 308) and redirect.headers["location"].startswith("https://")
    untrusted = subprocess.run(["curl", "-sS", "-o", "/dev/null", f"https://{EDGE}/readyz"],
                               capture_output=True, text=True, timeout=30, check=False)
    assert untrusted.returncode != 0, "nginx must present a certificate of the environment CA, not a public one"


def test_a_portfolio_round_trip_through_nginx(platform: Platform) -> None:
    with platform.client() as client:
        created = client.post("/api/v1/portfolios", json={"name": "e2e", "base_currency": "USD"})
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        assert client.get(f"/api/v1/portfolios/{pid}").json()["name"] == "e2e"
        assert client.delete(f"/api/v1/portfolios/{pid}").status_code == 204
        assert client.get(f"/api/v1/portfolios/{pid}").status_code == 404


def test_second_up_changes_nothing_and_a_concurrent_up_is_refused(platform: Platform) -> None:
    """`--refresh`: Terraform plans for real, so its own change summary (all zeros) is the proof."""
    environ = {**os.environ, "COLUMNS": "200"}
    started = time.monotonic()
    warm = subprocess.Popen([sys.executable, "-m", "qvctl", "up", ENVIRONMENT, "--refresh"], cwd=CHECKOUT, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = platform.state / "lock"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if lock.exists() and f'"pid": {warm.pid}' in lock.read_text():
            break
        time.sleep(0.1)
    else:
        warm.kill()
        pytest.fail("the warm up never took the environment lock")
    second = qvctl("up", ENVIRONMENT, timeout=60)
    assert second.returncode == 4, second.stderr
    assert f"locked by pid {warm.pid}" in second.stderr and "qvctl up" in second.stderr
    assert second.stderr.count("\n") == 1, "one line, no traceback"

    out, err = warm.communicate(timeout=600)
    warm_seconds = time.monotonic() - started
    assert warm.returncode == 0, f"{out[-3000:]}\n{err[-2000:]}"
    # The tools' own words, not qvctl's flag:
    assert terraform_change_summary(platform.state) == {"add": 0, "change": 0, "import": 0, "remove": 0,
                                                         "operation": "plan"}
    assert "✓ terraform plan" in out and "✓ terraform apply" not in out, "a clean plan is not applied"
    recap = ansible_recap(platform.state)
    assert recap and all(host["changed"] == 0 for host in recap.values()), recap
    assert "no changes: Terraform planned none and Ansible changed nothing" in out
    print(f"warm up --refresh: {warm_seconds:.1f}s")


def test_a_warm_up_does_not_plan_what_cannot_have_changed(platform: Platform) -> None:
    """Nothing Terraform reads changed since its last plan found nothing: no plan; Ansible still converges."""
    started = time.monotonic()
    warm = qvctl("up", ENVIRONMENT)
    seconds = time.monotonic() - started
    assert warm.returncode == 0, warm.stdout[-3000:] + warm.stderr[-2000:]
    assert "unchanged since Terraform's last plan" in warm.stdout and "✓ terraform plan" not in warm.stdout
    recap = ansible_recap(platform.state)
    assert recap and all(host["changed"] == 0 for host in recap.values()), recap
    assert "no changes: nothing Terraform reads changed and Ansible changed nothing" in warm.stdout
    print(f"warm up: {seconds:.1f}s")


def documented_workflow(readme: Path, env: str) -> list[str]:
    """The README's workflow commands for `env` (it shows dev), one shell line each."""
    text = readme.read_text()
    block = text.split("## The documented workflow", 1)[1].split("```", 2)[1]
    return [line.replace("/dev", f"/{env}").replace("dev.", f"{env}.").replace("dev/", f"{env}/")
            for line in block.strip().splitlines()]


def test_the_documented_workflow_runs_by_hand_as_written(platform: Platform) -> None:
    """The README's commands, verbatim, in one shell, with only the emulator's credentials exported
    (and the offline provider mirror qvctl found): Terraform finds nothing to do, Ansible changes nothing.
    The last line, kubectl, is for cloud environments: the local one has no Kubernetes."""
    commands = documented_workflow(CHECKOUT / "README.md", ENVIRONMENT)
    assert commands[-1] == f"cd .. && kubectl apply -f kubernetes/{ENVIRONMENT}/", commands
    apply = f"terraform apply -var-file=env/{ENVIRONMENT}.tfvars"
    script = "set -e\n" + "\n".join(commands[:-1]).replace(apply, f"{apply} <<< yes")
    environ = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               "HOME": os.environ["HOME"], "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    mirror_config = CHECKOUT / ".tools" / "terraform.rc"
    if mirror_config.exists():  # an offline machine: the provider comes from its local mirror
        environ["TF_CLI_CONFIG_FILE"] = str(mirror_config)
    done = subprocess.run(["bash", "-c", script], cwd=CHECKOUT, env=environ, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    said = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)  # Terraform colours its words on any output
    assert "No changes. Your infrastructure matches the configuration." in said
    recap = [line for line in said.splitlines() if " : ok=" in line]
    assert len(recap) == len(HOST_ADDRESSES), recap
    assert all("changed=0" in line and "failed=0" in line and "unreachable=0" in line for line in recap), recap


def _status() -> dict:  # type: ignore[type-arg]
    done = qvctl("status", ENVIRONMENT, "--output", "json", timeout=120)
    data = json.loads(done.stdout)
    return data


def test_status_reports_every_component_running_and_healthy(platform: Platform) -> None:
    data = _status()
    rows = data["components"]
    assert data["healthy"] is True, [r for r in rows if not r["healthy"]]
    names = {(r["component"], r["host"]) for r in rows}
    assert {("api", "app1"), ("api", "app2"), ("nginx", "edge1"), ("postgresql", "db1"), ("redis", "cache1"),
            ("prometheus", "obs1"), ("etcd", "db1"), ("emulator", "controller")} <= names
    assert all(r["process"] == "RUNNING" for r in rows), [(r["component"], r["process"]) for r in rows]


def test_killing_an_api_instance_is_invisible_through_nginx(platform: Platform) -> None:
    before = next(r for r in _status()["components"] if (r["component"], r["host"]) == ("api", "app1"))
    results: list[int | str] = []
    stop = threading.Event()

    def traffic() -> None:
        with platform.client() as client:
            for _ in range(2400):  # bounded: at most 2400 requests, about 2 minutes
                if stop.is_set():
                    break
                try:
                    results.append(client.get("/readyz").status_code)
                except httpx.HTTPError as err:
                    results.append(type(err).__name__)
                time.sleep(0.05)

    sender = threading.Thread(target=traffic)
    sender.start()
    wait_until("traffic flows before the kill", lambda: len(results) >= 10)
    os.kill(before["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    after = before
    while time.monotonic() < deadline:
        after = next(r for r in _status()["components"] if (r["component"], r["host"]) == ("api", "app1"))
        if after["process"] == "RUNNING" and after["pid"] != before["pid"] and after["healthy"]:
            break
        time.sleep(1.0)
    back = len(results)
    wait_until("traffic flows once the instance is back", lambda: len(results) >= back + 20 or not sender.is_alive())
    stop.set()
    sender.join(timeout=30)
    assert after["pid"] != before["pid"] and after["process"] == "RUNNING" and after["healthy"], after
    failures = [r for r in results if r != 200]
    assert len(results) >= 20 and not failures, f"{len(failures)} of {len(results)} requests failed: {failures[:5]}"


def test_logs_shows_a_components_log(platform: Platform) -> None:
    done = qvctl("logs", "nginx", "--env", ENVIRONMENT, "-n", "5", timeout=30)
    assert done.returncode == 0, done.stderr
    # The health gate's requests went through nginx: its last lines are JSON access records, each
    # prefixed with the first edge host and the component.
    lines = done.stdout.splitlines()
    assert 1 <= len(lines) <= 5, done.stdout
    for line in lines:
        source, _, record = line.partition("  ")
        assert source == "edge1/nginx", line
        assert {"uri", "status", "request_id"} <= json.loads(record).keys(), line
    unknown = qvctl("logs", "no-such-component", "--env", ENVIRONMENT, timeout=30)
    assert unknown.returncode == 2 and "no log file for 'no-such-component'" in unknown.stderr


def test_a_missing_tool_stops_up_with_the_doctor_line(platform: Platform) -> None:
    """terraform not on the PATH: the step names it, exit 3, and the running platform is untouched."""
    done = qvctl("up", ENVIRONMENT, "--refresh", env={"PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stderr.startswith("error: step 'terraform init' failed: terraform is missing")
    assert "install:" in done.stderr and done.stderr.count("\n") == 1
    assert _status()["healthy"] is True


def _secret_name(key: str) -> str:
    """The name Terraform gave a secret (its `secret_names` output)."""
    name: str = credentials.outputs(CHECKOUT, SPEC)["secret_names"][key]
    return name


def _database_connect(platform: Platform, username: str, password: str,
                      target: str = "read-write") -> psycopg.Connection[Any]:
    """A connection through the primary cluster's endpoint (all its hosts, libpq picks by `target`)."""
    hosts = ",".join(SPEC.hosts["database"].addresses or [])
    return psycopg.connect(host=hosts, port=SPEC.ports.postgresql, dbname=SPEC.database.name, user=username,
                           password=password, sslmode="verify-full", sslrootcert=str(platform.ca),
                           target_session_attrs=target, connect_timeout=5)


def _database_login(platform: Platform, username: str, password: str) -> str:
    """'ok' or PostgreSQL's refusal, logging in to the writer over verify-full TLS."""
    try:
        with _database_connect(platform, username, password) as conn:
            conn.execute("SELECT 1")
        return "ok"
    except psycopg.OperationalError as err:
        return str(err)


def _app_credentials() -> credentials.Login:
    return credentials.login(CHECKOUT, SPEC, "database_app")


def test_the_write_endpoint_reaches_the_leader_and_the_read_endpoint_a_replica(platform: Platform) -> None:
    """The endpoints `qvctl up` prints: one host list, libpq's target_session_attrs chooses."""
    app = _app_credentials()
    with _database_connect(platform, app.username, app.password, "read-write") as writer:
        assert writer.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
    with _database_connect(platform, app.username, app.password, "prefer-standby") as reader:
        assert reader.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)


def _streaming_standbys(platform: Platform) -> dict[str, list[str]]:
    """Per cluster, the members its leader streams WAL to (Patroni's view of pg_stat_replication)."""
    port = SPEC.ports.patroni
    found: dict[str, list[str]] = {}
    with httpx.Client(verify=trust(platform), timeout=5) as client:
        for group in ("database", "database_dr"):
            member = (SPEC.hosts[group].addresses or [])[0]
            cluster = client.get(f"https://{member}:{port}/cluster").json()["members"]
            leader = next(m for m in cluster if m["role"] in ("leader", "standby_leader"))
            replication = client.get(f"https://{leader['host']}:{port}/patroni").json().get("replication", [])
            found[group] = sorted(r["application_name"] for r in replication if r["state"] == "streaming")
    return found


def test_rotated_passwords_reach_postgresql_redis_and_the_api(platform: Platform) -> None:
    """New values in Secrets Manager (what a rotation Lambda or a Terraform value_version bump writes): the
    next `up` puts them into PostgreSQL's roles, Redis and the API; the old ones stop working; the
    replicas and the DR standby cluster stream again with the new replication password."""
    manager = emulator.client(EMULATOR[0], EMULATOR[1], SPEC.regions.primary, "secretsmanager")
    old: dict[str, dict[str, str]] = {}
    for key in ("database_superuser", "database_replication", "database_app", "redis_auth"):
        value = json.loads(manager.get_secret_value(SecretId=_secret_name(key))["SecretString"])
        old[key] = value
        rotated = {**value, "password": secrets.token_hex(20)}
        manager.put_secret_value(SecretId=_secret_name(key), SecretString=json.dumps(rotated))

    up = qvctl("up", ENVIRONMENT)
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-2000:]

    app = _app_credentials()
    assert _database_login(platform, app.username, app.password) == "ok"
    refused = _database_login(platform, app.username, old["database_app"]["password"])
    assert "password authentication failed" in refused, refused
    superuser = old["database_superuser"]
    assert "password authentication failed" in _database_login(platform, superuser["username"], superuser["password"])
    cache = SPEC.hosts["cache"].addresses or []
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=cache[0], port=SPEC.ports.redis, password=old["redis_auth"]["password"], ssl=True,
                    ssl_ca_certs=str(platform.ca)).ping()
    with platform.client() as client:
        assert client.post("/api/v1/portfolios", json={"name": "rotated", "base_currency": "USD"}).status_code == 201
    deadline = time.monotonic() + 60
    streaming = _streaming_standbys(platform)
    while time.monotonic() < deadline and [len(streaming[g]) for g in ("database", "database_dr")] != [3, 1]:
        time.sleep(1)
        streaming = _streaming_standbys(platform)
    # The primary's leader feeds its two replicas and the DR standby leader, which feeds its replica.
    assert [len(streaming[g]) for g in ("database", "database_dr")] == [3, 1], streaming


def test_down_keep_data_then_up_keeps_the_database_and_its_passwords(platform: Platform) -> None:
    """The kept database comes back with the secrets it was initialised with (restored into the new emulator)."""
    with platform.client() as client:
        created = client.post("/api/v1/portfolios", json={"name": "kept", "base_currency": "USD"})
        assert created.status_code == 201, created.text
    kept_id = created.json()["id"]
    down = qvctl("down", ENVIRONMENT, "--keep-data", timeout=300)
    assert down.returncode == 0, down.stdout + down.stderr
    assert listening_sockets() == []
    assert (platform.state / "pki" / "ca.key").exists()
    assert (platform.state / "emulator" / "snapshot" / "secrets.json").exists()
    assert (platform.state / "hosts" / "db1" / "data").is_dir()
    assert not (platform.state / "supervisor").exists()

    up = qvctl("up", ENVIRONMENT)
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-2000:]
    assert "✓ restore the kept emulator data" in up.stdout
    assert "reused" in next(line for line in up.stdout.splitlines() if "environment CA" in line)
    with platform.client() as client:
        assert client.get(f"/api/v1/portfolios/{kept_id}").json()["name"] == "kept"


def test_down_leaves_no_process_and_no_listening_socket(platform: Platform) -> None:
    started = time.monotonic()
    done = qvctl("down", ENVIRONMENT, timeout=300)
    platform.down_done = True
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"down: {time.monotonic() - started:.1f}s")
    assert listening_sockets() == []
    assert procscan.environment_processes(platform.state) == []
    assert not platform.state.exists()


def _copy_tree(target: Path) -> Path:
    """The parts of the repository `up` reads, so a broken copy never touches the real one."""
    for part in ("environments", "terraform", "ansible"):
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_a_broken_tfvars_fails_in_one_line_naming_the_step_and_down_cleans_up(tmp_path: Path) -> None:
    if listening_sockets():
        pytest.fail(f"addresses still in use: {listening_sockets()}")
    root = _copy_tree(tmp_path / "repo")
    tfvars = root / "terraform" / "env" / f"{ENVIRONMENT}.tfvars"

    broken, count = re.subn(rf'(?m)^environment\s*=\s*"{ENVIRONMENT}"', 'environment = "nowhere"',
                            tfvars.read_text())
    assert count == 1, "the copied tfvars no longer sets environment; adjust the test"
    tfvars.write_text(broken)
    env = {"QV_ROOT": str(root)}
    try:
        done = qvctl("up", ENVIRONMENT, env=env, timeout=300)
        assert done.returncode == 1, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: step 'terraform plan' failed: terraform plan: "), lines
        assert "Traceback" not in done.stdout + done.stderr
    finally:
        cleaned = qvctl("down", ENVIRONMENT, env=env, timeout=300)
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert listening_sockets() == []
    assert not (root / ".qv" / ENVIRONMENT).exists()


def test_ctrl_c_during_terraform_apply_stops_cleanly_and_down_cleans_up(tmp_path: Path) -> None:
    """SIGINT while Terraform applies: exit 130 naming the step, Terraform's state lock released."""
    if listening_sockets():
        pytest.fail(f"addresses still in use: {listening_sockets()}")
    root = _copy_tree(tmp_path / "repo")
    env = {**os.environ, "COLUMNS": "200", "QV_ROOT": str(root)}
    up = subprocess.Popen([sys.executable, "-m", "qvctl", "up", ENVIRONMENT], cwd=root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        apply_log = root / ".qv" / ENVIRONMENT / "logs" / "terraform-apply.log"
        deadline = time.monotonic() + 120
        # Wait until Terraform is really creating resources (and holds its state lock).
        while time.monotonic() < deadline and up.poll() is None:
            if apply_log.exists() and '"type":"apply_start"' in apply_log.read_text():
                break
            time.sleep(0.2)
        else:
            pytest.fail("terraform apply never started")
        up.send_signal(signal.SIGINT)
        out, err = up.communicate(timeout=120)
        assert up.returncode == 130, out[-2000:] + err[-2000:]
        assert err.strip().splitlines() == [
            "error: interrupted during step 'terraform apply'; run `qvctl up` again to resume or "
            "`qvctl down` to clean up"
        ]
        from qvctl.platform import emulator

        s3 = emulator.client(EMULATOR[0], EMULATOR[1], SPEC.regions.primary, "s3")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="quantumvest-local-tfstate").get("Contents", [])]
        assert not [k for k in keys if k.endswith(".tflock")], f"Terraform's state lock was left behind: {keys}"
        assert not (root / ".qv" / ENVIRONMENT / "lock").exists(), "qvctl's own lock was released"
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        cleaned = qvctl("down", ENVIRONMENT, env={"QV_ROOT": str(root)}, timeout=300)
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert listening_sockets() == []
