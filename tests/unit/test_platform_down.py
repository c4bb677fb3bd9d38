"""What `down` removes, what `--keep-data` keeps, and the components table it checks against."""

from __future__ import annotations

from pathlib import Path

from qvctl.context import Context
from qvctl.platform.components import endpoints, local_components
from qvctl.platform.down import environment_addresses, kept_paths, remove_state
from qvctl.platform.paths import EnvPaths
from qvctl.spec import load_environment, spec_path

ROOT = Path(__file__).resolve().parents[2]


def _state(tmp_path: Path) -> EnvPaths:
    paths = EnvPaths.of(Context(root=tmp_path, environ={"QV_STATE_DIR": str(tmp_path / "state")}), "local")
    for folder in ("supervisor/conf.d", "pki", "emulator/snapshot/s3", "terraform",
                   "hosts/db1/data/postgresql", "hosts/db1/log", "hosts/db1/etc", "hosts/app1/log"):
        (paths.state / folder).mkdir(parents=True)
    (paths.state / "pki" / "ca.key").write_text("key")
    (paths.state / "hosts" / "db1" / "data" / "postgresql" / "PG_VERSION").write_text("15")
    (paths.state / "hosts" / "db1" / "log" / "patroni.log").write_text("log")
    (paths.state / "emulator" / "emulator.log").write_text("log")
    (paths.state / "emulator" / "snapshot" / "secrets.json").write_text("[]")
    (paths.state / "terraform-outputs.json").write_text("{}")
    return paths


def test_down_removes_the_whole_state_folder(tmp_path: Path) -> None:
    paths = _state(tmp_path)
    remove_state(paths, keep_data=False)
    assert not paths.state.exists()
    remove_state(paths, keep_data=False)  # idempotent


def test_keep_data_keeps_the_database_the_ca_and_the_emulator_snapshot_only(tmp_path: Path) -> None:
    paths = _state(tmp_path)
    remove_state(paths, keep_data=True)
    left = sorted(str(p.relative_to(paths.state)) for p in paths.state.rglob("*") if p.is_file())
    assert left == [
        "emulator/snapshot/secrets.json",
        "hosts/db1/data/postgresql/PG_VERSION",
        "pki/ca.key",
    ]
    assert [p.relative_to(paths.state).as_posix() for p in kept_paths(paths)] == [
        "pki", "emulator/snapshot", "hosts/db1/data"]


def test_the_local_components_follow_the_spec() -> None:
    spec = load_environment(spec_path(ROOT, "local"), ROOT)
    components = {(c.name, c.host): c for c in local_components(spec)}
    assert components[("api", "app2")].address == "127.0.3.2"
    assert components[("nginx", "edge1")].port == 443
    assert components[("emulator", "controller")].port == 5000
    assert components[("api", "app2")].program_name == "api-app2"
    own, shared = environment_addresses(spec)
    assert own == {a for group in spec.hosts.values() for a in group.addresses or []}
    assert {"127.0.1.3", "127.0.6.2"} <= own, "both database clusters' hosts are the environment's"
    assert spec.emulator is not None
    assert shared == {"127.0.0.1": {spec.emulator.port, spec.emulator.tls_port}}
    urls = [url for url, _ in endpoints(spec)]
    assert "https://127.0.4.1/api/v1/portfolios" in urls


def test_every_local_component_but_the_emulator_is_checked_and_listed_over_tls() -> None:
    spec = load_environment(spec_path(ROOT, "local"), ROOT)
    plain = sorted({c.name for c in local_components(spec) if not c.tls})
    assert plain == ["emulator"]
    listed = [url for url, _ in endpoints(spec)]
    assert "https://127.0.5.1:9090/" in listed and "https://127.0.5.1:9093/" in listed
    # the redirect to HTTPS and the emulator's plain endpoint are the two http:// rows
    assert sorted(url for url in listed if url.startswith("http://")) == ["http://127.0.0.1:5000/",
                                                                          "http://127.0.4.1/"]
