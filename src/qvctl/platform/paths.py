"""Where an environment keeps its run-time state (`.qv/<env>/`), in one place.

Every other module asks this one for paths, so the layout of the state folder is written once
and matches the contract the Ansible roles rely on (supervisor/, hosts/<host>/{etc,data,log}, pki/).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qvctl.context import Context


@dataclass(frozen=True)
class EnvPaths:
    env: str
    root: Path  # the repository
    state: Path  # .qv/<env>, absolute

    @classmethod
    def of(cls, ctx: Context, env: str) -> EnvPaths:
        return cls(env=env, root=ctx.root.resolve(), state=ctx.state_dir(env).resolve())

    # supervisord: one per environment; roles drop program files into conf.d/
    @property
    def supervisor_dir(self) -> Path:
        return self.state / "supervisor"

    @property
    def supervisor_conf(self) -> Path:
        return self.supervisor_dir / "supervisord.conf"

    @property
    def supervisor_programs(self) -> Path:
        return self.supervisor_dir / "conf.d"

    @property
    def supervisor_socket(self) -> Path:
        return self.supervisor_dir / "supervisor.sock"

    @property
    def supervisor_pidfile(self) -> Path:
        return self.supervisor_dir / "supervisord.pid"

    @property
    def supervisor_log(self) -> Path:
        return self.supervisor_dir / "supervisord.log"

    # the AWS emulator
    @property
    def emulator_dir(self) -> Path:
        return self.state / "emulator"

    @property
    def emulator_log(self) -> Path:
        return self.emulator_dir / "emulator.log"

    @property
    def emulator_snapshot(self) -> Path:
        """What `down --keep-data` saved of the emulator (secret values, bucket objects)."""
        return self.emulator_dir / "snapshot"

    # the environment CA
    @property
    def pki_dir(self) -> Path:
        return self.state / "pki"

    @property
    def ca_cert(self) -> Path:
        return self.pki_dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.pki_dir / "ca.key"

    # qvctl's own client certificate (etcd and pgBackRest require one)
    @property
    def client_cert(self) -> Path:
        return self.pki_dir / "qvctl.crt"

    @property
    def client_key(self) -> Path:
        return self.pki_dir / "qvctl.key"

    # the local token issuer: its signing key, and the public keys the API instances read
    @property
    def token_signing_key(self) -> Path:
        return self.pki_dir / "token-signing.key"

    @property
    def jwks(self) -> Path:
        return self.pki_dir / "jwks.json"

    # the emulator's TLS front (pgBackRest speaks only HTTPS to S3)
    @property
    def emulator_tls_cert(self) -> Path:
        return self.emulator_dir / "tls.crt"

    @property
    def emulator_tls_key(self) -> Path:
        return self.emulator_dir / "tls.key"

    @property
    def emulator_tls_conf(self) -> Path:
        return self.emulator_dir / "tls-proxy.conf"

    # Terraform and Ansible hand-over
    @property
    def terraform_data_dir(self) -> Path:
        """TF_DATA_DIR: keeps qvctl's init apart from a person's terraform/.terraform."""
        return self.state / "terraform"

    @property
    def hosts_dir(self) -> Path:
        return self.state / "hosts"

    def host_log(self, host: str, component: str) -> Path:
        return self.hosts_dir / host / "log" / f"{component}.log"

    @property
    def lock_file(self) -> Path:
        return self.state / "lock"

    @property
    def dashboards_snapshot(self) -> Path:
        """The page `qvctl dashboards snapshot` writes unless told where."""
        return self.state / "dashboards" / "snapshot.html"

    @property
    def run_log_dir(self) -> Path:
        """Full output of the tools qvctl ran (the step error shows only the tool's own message)."""
        return self.state / "logs"
