"""What a switch writes into Patroni's configuration, and the cluster model it reads (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvctl.context import QvError
from qvctl.dr.cluster import ClusterState, cluster_specs, patroni_prefix, prefix_end, streaming_clients, wal_position
from qvctl.dr.switch import leader_first, permanent_slot, restore_command, standby_section
from qvctl.dr.topology import diverged
from qvctl.spec import load_environment, spec_path

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_environment(spec_path(ROOT, "local"), ROOT)
PUSH = "/usr/bin/pgbackrest --config=/x/drdb1/etc/pgbackrest/pgbackrest.conf --stanza=quantumvest-local archive-push %p"


def test_the_clusters_come_from_the_inventory_groups_with_the_roles_scopes() -> None:
    clusters = cluster_specs(SPEC)
    assert clusters["primary"].scope == "quantumvest-local" and clusters["dr"].scope == "quantumvest-local-dr"
    assert clusters["primary"].names == ["db1", "db2", "db3"] and clusters["dr"].names == ["drdb1", "drdb2"]
    assert clusters["dr"].address("drdb2") == (SPEC.hosts["database_dr"].addresses or [])[1]
    assert patroni_prefix(clusters["primary"]) == "/service/quantumvest-local/"


def test_restore_command_reads_back_what_archive_command_pushes() -> None:
    assert restore_command(PUSH) == PUSH.replace("archive-push %p", 'archive-get %f "%p"')
    with pytest.raises(QvError, match="not a pgBackRest archive-push"):
        restore_command("cp %p /archive/%f")


def test_the_standby_section_follows_every_leader_member_through_the_leaders_slot() -> None:
    clusters = cluster_specs(SPEC)
    follower = {"postgresql": {"parameters": {"archive_command": PUSH}}}
    section = standby_section(follower, clusters["primary"], {"slots": {"dr_standby": {"type": "physical"}}})
    assert section == {
        "host": ",".join(SPEC.hosts["database"].addresses or []),
        "port": SPEC.ports.postgresql,
        "create_replica_methods": ["basebackup"],
        "restore_command": restore_command(PUSH),
        "primary_slot_name": "dr_standby",
    }
    # The DR cluster keeps no slot for the primary cluster: no slot name then.
    assert "primary_slot_name" not in standby_section(follower, clusters["dr"], {})


def test_only_one_permanent_physical_slot_names_the_standby_slot() -> None:
    assert permanent_slot({"slots": {"dr_standby": {"type": "physical"}}}) == "dr_standby"
    assert permanent_slot({"slots": {"a": {"type": "physical"}, "b": {"type": "physical"}}}) is None
    assert permanent_slot({"slots": {"cdc": {"type": "logical", "database": "x", "plugin": "y"}}}) is None
    assert permanent_slot({}) is None


def test_the_etcd_range_end_of_a_prefix_is_its_last_byte_plus_one() -> None:
    assert prefix_end("/service/quantumvest-local/") == "/service/quantumvest-local0"


def test_the_leader_is_asked_first() -> None:
    clusters = cluster_specs(SPEC)
    state = ClusterState.of({"members": [{"name": "db2", "role": "leader", "state": "running"}]}, "db1")
    assert leader_first(clusters["primary"], state) == ["db2", "db1", "db3"]
    assert leader_first(clusters["primary"], None) == ["db1", "db2", "db3"]


def test_the_cluster_state_tells_a_standby_cluster_from_one_that_takes_writes() -> None:
    standby = ClusterState.of({"members": [{"name": "drdb1", "role": "standby_leader", "state": "streaming"},
                                           {"name": "drdb2", "role": "replica", "state": "running"}]}, "drdb1")
    assert standby.is_standby_cluster and not standby.accepts_writes
    leading = ClusterState.of({"members": [{"name": "db1", "role": "leader", "state": "running"},
                                           {"name": "db3", "role": "sync_standby", "state": "streaming"}]}, "db3")
    assert leading.accepts_writes and leading.sync_standbys == ["db3"]


def test_wal_positions_and_streaming_clients_come_from_a_members_own_report() -> None:
    assert wal_position({"xlog": {"location": 100}}) == 100
    assert wal_position({"xlog": {"received_location": 90, "replayed_location": 80}}) == 80
    assert wal_position(None) is None
    status = {"replication": [{"application_name": "drdb2", "state": "streaming"},
                              {"application_name": "db2", "state": "catchup"}]}
    assert streaming_clients(status) == {"drdb2"}


def test_a_member_on_an_older_timeline_than_its_leader_has_diverged() -> None:
    dr = ClusterState.of({"members": [
        {"name": "drdb1", "role": "replica", "state": "running", "timeline": 6},
        {"name": "drdb2", "role": "standby_leader", "state": "running", "timeline": 7}]}, "drdb2")
    primary = ClusterState.of({"members": [
        {"name": "db1", "role": "replica", "state": "starting", "timeline": 6},  # still starting: not yet
        {"name": "db3", "role": "leader", "state": "running", "timeline": 7}]}, "db3")
    assert diverged({"primary": primary, "dr": dr, "gone": None}) == [("dr", "drdb1")]
