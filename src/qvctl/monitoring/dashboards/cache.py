"""Redis, the API's cache (the redis exporter). It holds only what can be rebuilt: losing it makes
the API slower, not wrong (the API dashboard shows its instances' view of it)."""

from __future__ import annotations

from typing import Any

from qvctl.monitoring.dashboards.expressions import per_second
from qvctl.monitoring.dashboards.panels import Query, Row, chart, dashboard, stat

UID = "qv-cache"
HOST = "{{instance_host}}"


def _overview() -> Row:
    return Row("Overview", [
        stat("Redis up", Query("sum(redis_up)"), "none", "Redis servers the exporter reaches."),
        stat("Connected clients", Query("sum(redis_connected_clients)"), "none", "Client connections now."),
        stat("Memory used", Query("sum(redis_memory_used_bytes)"), "bytes", "Memory Redis allocated."),
        stat("Keys", Query("sum(redis_db_keys)"), "none", "Keys in every database."),
    ])


def _work() -> Row:
    return Row("Work", [
        chart("Commands per second", [Query(per_second("redis_commands_processed_total", "instance_host"), HOST)],
              "ops", "Every command the server processed."),
        chart("Keyspace hits and misses per second", [
            Query(per_second("redis_keyspace_hits_total", "instance_host"), f"{HOST} hits"),
            Query(per_second("redis_keyspace_misses_total", "instance_host"), f"{HOST} misses"),
        ], "ops", "A miss sends the API to the database."),
        chart("Busiest commands", [Query("topk(5, sum by (cmd) (rate(redis_commands_total[$__rate_interval])))",
                                         "{{cmd}}")], "ops", "The five most frequent commands."),
        chart("Network", [
            Query(per_second("redis_net_input_bytes_total", "instance_host"), f"{HOST} in"),
            Query(per_second("redis_net_output_bytes_total", "instance_host"), f"{HOST} out"),
        ], "Bps", "Bytes to and from clients."),
    ])


def _memory_and_keys() -> Row:
    return Row("Memory and keys", [
        chart("Memory", [
            Query("sum by (instance_host) (redis_memory_used_bytes)", f"{HOST} used"),
            Query("sum by (instance_host) (redis_memory_used_rss_bytes)", f"{HOST} resident"),
            Query("sum by (instance_host) (redis_memory_max_bytes) > 0", f"{HOST} maxmemory"),
        ], "bytes", "Used and resident memory; maxmemory when one is set."),
        chart("Keys", [
            Query("sum by (instance_host) (redis_db_keys)", f"{HOST} keys"),
            Query("sum by (instance_host) (redis_db_keys_expiring)", f"{HOST} with a TTL"),
        ], "none", "Cached entries carry a TTL: keys without one would never leave."),
        chart("Evicted and expired keys per second", [
            Query(per_second("redis_evicted_keys_total", "instance_host"), f"{HOST} evicted"),
            Query(per_second("redis_expired_keys_total", "instance_host"), f"{HOST} expired"),
        ], "ops", "Evictions mean maxmemory is reached."),
        chart("Clients", [
            Query("sum by (instance_host) (redis_connected_clients)", f"{HOST} connected"),
            Query("sum by (instance_host) (redis_blocked_clients)", f"{HOST} blocked"),
        ], "none", "Connections, and those waiting in a blocking command."),
    ])


def build() -> Any:
    return dashboard(UID, "QuantumVest / Redis cache", "The API's cache: load, hits and misses, memory, keys.",
                     [_overview(), _work(), _memory_and_keys()])
