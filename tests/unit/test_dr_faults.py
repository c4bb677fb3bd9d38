"""The fault helpers that need no server: a host's programs and process tree, the partition's cgroup
path and nftables rules, the open connections read from /proc/net/tcp."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvctl.context import QvError
from qvctl.dr import faults
from qvctl.platform.supervisor import ProcessState

MOUNTS_HYBRID = """\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
"""
MOUNTS_UNIFIED = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"


def test_the_cgroup2_mount_is_found_on_hybrid_and_unified_systems() -> None:
    assert faults.cgroup2_mount(MOUNTS_HYBRID) == Path("/sys/fs/cgroup/unified")
    assert faults.cgroup2_mount(MOUNTS_UNIFIED) == Path("/sys/fs/cgroup")
    assert faults.cgroup2_mount("proc /proc proc rw 0 0\n") is None


def test_the_nft_cgroup_path_is_relative_to_sys_fs_cgroup_and_its_level_to_the_cgroup2_root() -> None:
    hybrid = Path("/sys/fs/cgroup/unified")
    assert faults.nft_cgroup(hybrid / faults.cgroup_name("local-d", "db1"), hybrid) == ("unified/qv-local-d-db1", 1)
    unified = Path("/sys/fs/cgroup")
    assert faults.nft_cgroup(unified / "qv-local-db2", unified) == ("qv-local-db2", 1)
    with pytest.raises(QvError, match="not under /sys/fs/cgroup"):
        faults.nft_cgroup(Path("/mnt/cg2/qv-local-db1"), Path("/mnt/cg2"))


def test_each_environment_has_its_own_nft_table() -> None:
    assert faults.nft_table("local") == "qv_local_drill"
    assert faults.nft_table("local-d") == "qv_local_d_drill"


def test_the_partition_rules_cut_the_host_both_ways_and_its_earlier_connections() -> None:
    flow = faults.Flow("127.0.0.1", 40000, "127.0.31.2", 2379)
    text = faults.nft_ruleset("qv_local_drill", "127.0.31.1", "unified/qv-local-db1", 1, [flow, flow])
    assert text.splitlines()[:3] == ["table inet qv_local_drill {}", "delete table inet qv_local_drill",
                                     "table inet qv_local_drill {"]
    assert "type filter hook output priority filter; policy accept;" in text
    rules = [line.strip() for line in text.splitlines() if line.strip().endswith(" drop")]
    assert rules == [
        "ip daddr 127.0.31.1 drop",
        "ip saddr 127.0.31.1 drop",
        'socket cgroupv2 level 1 "unified/qv-local-db1" drop',
        "ip saddr 127.0.0.1 tcp sport 40000 ip daddr 127.0.31.2 tcp dport 2379 drop",
        "ip saddr 127.0.31.2 tcp sport 2379 ip daddr 127.0.0.1 tcp dport 40000 drop",
    ]


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:9C40 021F007F:094B 01 00000000:00000000 00:00000000 00000000   108        0 5001 1
   1: 011F007F:1538 0100007F:D431 01 00000000:00000000 00:00000000 00000000   108        0 5002 1
   2: 011F007F:094B 00000000:0000 0A 00000000:00000000 00:00000000 00000000   108        0 5003 1
   3: 0100007F:9C41 021F007F:094B 01 00000000:00000000 00:00000000 00000000   108        0 9999 1
"""


def test_open_connections_of_the_given_sockets_are_read_from_proc_net_tcp() -> None:
    flows = faults.parse_flows(PROC_NET_TCP, {5001, 5002, 5003})
    assert flows == [faults.Flow("127.0.0.1", 40000, "127.0.31.2", 2379),
                     faults.Flow("127.0.31.1", 5432, "127.0.0.1", 54321)]  # 5003 listens, 9999 is not ours


def test_a_program_belongs_to_the_host_its_name_ends_with() -> None:
    table = [ProcessState(n, n, "RUNNING", pid, "") for pid, n in enumerate(
        ["etcd-db1", "patroni-db1", "patroni-drdb1", "nginx-exporter-edge1", "patroni-db11", "emulator"], start=10)]
    assert [p.name for p in faults.host_programs(table, "db1")] == ["etcd-db1", "patroni-db1"]
    assert [p.name for p in faults.host_programs(table, "edge1")] == ["nginx-exporter-edge1"]
    assert faults.program_host("nginx-exporter-edge1") == "edge1"


def test_a_process_tree_holds_every_descendant_once_parents_first() -> None:
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20, 30: 1}
    assert faults.descendants([10, 11], faults.children_map(parents)) == [10, 11, 13, 12]
    assert faults.descendants([1], faults.children_map(parents)) == []  # never init


def test_leftover_cgroups_match_this_environments_hosts_exactly(tmp_path: Path) -> None:
    for name in ("qv-local-db1", "qv-local-d-db1", "other"):
        (tmp_path / name).mkdir()
    assert faults.leftover_cgroups(tmp_path, "local", ["db1", "db2"]) == [tmp_path / "qv-local-db1"]


def test_releasing_a_cgroup_that_does_not_exist_does_nothing(tmp_path: Path) -> None:
    assert faults.release_cgroup(tmp_path / "qv-local-db1", tmp_path) == 0
