"""`backup run` and `backup list`: pgBackRest on the primary cluster's leader, and what the repository holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from qvctl.backup import cluster
from qvctl.backup.pgbackrest import PgBackRest, StanzaInfo, parse_info
from qvctl.backup.scratch import Scratch
from qvctl.context import Context
from qvctl.platform.paths import EnvPaths
from qvctl.platform.steps import Note
from qvctl.spec import Environment


@dataclass(frozen=True)
class Site:
    """Where backup commands run: the environment, its state folder and the repository's stanza."""

    ctx: Context
    spec: Environment
    paths: EnvPaths

    @classmethod
    def of(cls, ctx: Context, spec: Environment) -> Site:
        cluster.require_local(spec, "qvctl backup")
        return cls(ctx, spec, EnvPaths.of(ctx, spec.name))

    @property
    def stanza(self) -> str:
        return cluster.stanza(self.spec)

    def on(self, member: cluster.Member) -> PgBackRest:
        return PgBackRest(self.ctx, member.pgbackrest_config, self.stanza, member.name)

    def leader(self) -> cluster.Member:
        return cluster.leader(self.spec, self.paths)

    def info(self, member: cluster.Member | None = None) -> StanzaInfo:
        """The repository's view of the stanza (any member can read it; the leader by default)."""
        return parse_info(self.on(member or self.leader()).info(), self.stanza)

    def restore_into_scratch(self, name: str, source: cluster.Member, options: list[str], note: Note) -> Scratch:
        """A scratch instance `name` with `source`'s settings, filled by `pgbackrest restore OPTIONS`."""
        scratch = Scratch.of(self.paths, name, self.spec.ports.postgresql, self.spec.database.versions.postgresql)
        scratch.prepare(source, self.stanza)
        scratch.restore(self.ctx, self.stanza, options, note, self.paths.run_log_dir / "pgbackrest-restore.log")
        return scratch

    def repository_url(self, member: cluster.Member) -> str:
        """s3://<bucket><repo1-path>, from the member's pgBackRest configuration."""
        settings = dict(line.split("=", 1) for line in member.pgbackrest_config.read_text().splitlines()
                        if "=" in line and not line.startswith("#"))
        return f"s3://{settings.get('repo1-s3-bucket', '?')}{settings.get('repo1-path', '')}"


def run_backup(site: Site, kind: str, note: Note) -> tuple[cluster.Member, str]:
    """`pgbackrest backup --type=KIND` on the leader; returns the leader and the new backup's label.

    backup-standby=y in the hosts' configuration makes pgBackRest copy the files from a replica;
    the leader only starts and stops the backup, so the run costs the primary little.
    """
    leader = site.leader()
    note(f"{kind} backup on {leader.name} (files from a replica)")
    before = {b.label for b in site.info(leader).backups}
    site.on(leader).run("backup", f"--type={kind}", "--log-level-console=info", note=note,
                        log=site.paths.run_log_dir / "pgbackrest-backup.log")
    after = site.info(leader).backups
    new = [b.label for b in after if b.label not in before]
    return leader, new[-1] if new else (after[-1].label if after else "")


def now() -> datetime:
    return datetime.now(UTC)
