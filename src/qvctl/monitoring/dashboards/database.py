"""The database: Patroni's view of both clusters (the primary and its standby in the DR region),
etcd under it, and PostgreSQL itself (the postgres exporter on every database host).

Patroni's metrics carry `scope`, the cluster's name; the standby cluster's leader is a
`standby_leader`, not a `primary`.
"""

from __future__ import annotations

from typing import Any

from qvctl.monitoring.dashboards.expressions import per_second
from qvctl.monitoring.dashboards.panels import Query, Row, chart, dashboard, stat

UID = "qv-database"
MEMBER = "{{scope}}: {{instance_host}}"


def _patroni() -> Row:
    return Row("Patroni", [
        stat("Primary leaders", Query("sum(patroni_primary)"), "none",
             "Members that lead a cluster that takes writes: 1, or the clusters are split (0: no writes)."),
        stat("Standby leaders", Query("sum(patroni_standby_leader)"), "none",
             "The DR cluster's leader, following the primary cluster."),
        stat("Members running PostgreSQL", Query("sum(patroni_postgres_running)"), "none",
             "Database members whose PostgreSQL Patroni reports running."),
        stat("Synchronous standbys", Query("sum(patroni_sync_standby)"), "none",
             "Replicas a commit waits for (synchronous mode): 0 means commits are not replicated first."),
        chart("Leader of each cluster",
              [Query("max by (scope, instance_host) (patroni_primary + patroni_standby_leader) == 1", MEMBER)],
              "none", "The member that leads each cluster; a new line is a failover."),
        chart("Replay lag behind the primary leader",
              [Query("scalar(max(patroni_xlog_location))\n- (patroni_xlog_replayed_location > 0)", MEMBER)],
              "bytes", "WAL the leader wrote that a replica or the standby cluster has not replayed yet."),
        chart("Timeline", [Query("max by (scope) (patroni_postgres_timeline)", "{{scope}}")], "none",
              "PostgreSQL's timeline: it goes up by one at every promotion."),
        chart("Since Patroni last reached etcd", [Query("time() - patroni_dcs_last_seen", MEMBER)], "s",
              "A member that cannot reach its etcd for its TTL gives up leadership."),
    ])


def _etcd() -> Row:
    return Row("etcd", [
        chart("Members with a leader", [Query("etcd_server_has_leader", "{{instance_host}}")], "none",
              "1 when the member sees a leader; a quorum lost is 0 everywhere."),
        chart("Leader changes in the last hour",
              [Query("sum by (instance_host) (increase(etcd_server_leader_changes_seen_total[1h]))",
                     "{{instance_host}}")], "none", "Elections each member saw."),
        chart("WAL fsync p99", [Query(
            "histogram_quantile(0.99, "
            + per_second("etcd_disk_wal_fsync_duration_seconds_bucket", "instance_host, le") + ")",
            "{{instance_host}}")], "s", "Slow disks make etcd miss heartbeats, and Patroni its leader lock."),
        chart("Proposals", [
            Query(per_second("etcd_server_proposals_failed_total", "instance_host"), "{{instance_host}} failed/s"),
            Query("sum by (instance_host) (etcd_server_proposals_pending)", "{{instance_host}} pending"),
        ], "none", "Failed proposals mean elections or a lost quorum."),
        chart("Database size", [Query("etcd_mvcc_db_total_size_in_bytes", "{{instance_host}}")], "bytes",
              "etcd's backend size per member."),
    ])


def _postgresql() -> Row:
    return Row("PostgreSQL", [
        stat("PostgreSQL up", Query("sum(pg_up)"), "none", "Database hosts whose exporter reaches PostgreSQL."),
        chart("Connections", [
            Query("sum by (instance_host) (pg_stat_activity_count)", "{{instance_host}}"),
            Query("max(pg_settings_max_connections)", "max_connections"),
        ], "none", "Backends per host against max_connections."),
        chart("Transactions per second", [
            Query(per_second("pg_stat_database_xact_commit", "instance_host"), "{{instance_host}} commit"),
            Query(per_second("pg_stat_database_xact_rollback", "instance_host"), "{{instance_host}} rollback"),
        ], "ops", "Commits and rollbacks, every database of the host."),
        chart("Buffer cache", [
            Query(per_second("pg_stat_database_blks_hit", "instance_host"), "{{instance_host}} hit"),
            Query(per_second("pg_stat_database_blks_read", "instance_host"), "{{instance_host}} read"),
        ], "ops", "Blocks found in shared buffers against blocks read from disk (or the OS cache)."),
        chart("Replication lag, the leader's view",
              [Query("max by (instance_host, application_name) (pg_stat_replication_pg_wal_lsn_diff)",
                     "{{instance_host}} to {{application_name}}")], "bytes",
              "WAL each connected standby has not replayed, from pg_stat_replication on the leader."),
        chart("Since the last archived WAL segment", [Query("pg_stat_archiver_last_archive_age",
                                                            "{{instance_host}}")], "s",
              "pgBackRest's archive_command; this climbing on the leader is archiving stuck."),
        chart("Failed WAL archive attempts in the last hour",
              [Query("sum by (instance_host) (increase(pg_stat_archiver_failed_count[1h]))", "{{instance_host}}")],
              "none", "Any is worth a look: point-in-time recovery needs every segment."),
        chart("Database size", [Query('pg_database_size_bytes{datname!~"template.*"}',
                                      "{{instance_host}} {{datname}}")], "bytes", "Per database and host."),
        chart("Locks by mode", [Query("sum by (mode) (pg_locks_count)", "{{mode}}")], "none",
              "Locks held, every host."),
        chart("Deadlocks in the last hour",
              [Query("sum by (instance_host) (increase(pg_stat_database_deadlocks[1h]))", "{{instance_host}}")],
              "none", "Transactions PostgreSQL aborted to break a deadlock."),
    ])


def build() -> Any:
    return dashboard(UID, "QuantumVest / PostgreSQL and Patroni",
                     "The primary cluster and its DR standby cluster: leaders, replication, etcd, PostgreSQL.",
                     [_patroni(), _etcd(), _postgresql()])

