"""The hosts: every scrape target's health, the node exporter's CPU, memory, disks, network and
clock, and the blackbox exporter's probes (the HTTPS edge, certificate expiry).

Locally every host is one machine, so the node exporter runs on the observability host alone
(monitoring/generated/local/prometheus.yml); in the cloud every host has its own.
"""

from __future__ import annotations

from typing import Any

from qvctl.monitoring.dashboards.expressions import per_second
from qvctl.monitoring.dashboards.panels import Query, Row, chart, dashboard, stat

UID = "qv-hosts"
HOST = "{{instance_host}}"
# Filesystems that hold data: not the kernel's in-memory ones.
DISKS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs"'


def _targets() -> Row:
    return Row("Scrape targets", [
        stat("Targets down", Query("count(up == 0) or vector(0)"), "none",
             "Targets Prometheus failed to scrape last time: a host or an exporter is down."),
        stat("Targets up", Query("count(up == 1)"), "none", "Targets Prometheus scraped successfully."),
        chart("Targets up by job", [Query("sum by (job) (up)", "{{job}}")], "none",
              "Scrape targets answering, per job: a drop is a process or host down."),
    ])


def _cpu_and_memory() -> Row:
    idle = per_second('node_cpu_seconds_total{mode="idle"}', "instance_host")
    cpus = 'count by (instance_host) (node_cpu_seconds_total{mode="idle"})'
    return Row("CPU and memory", [
        chart("CPU busy", [Query(f"1 - {idle} / {cpus}", HOST)], "percentunit", "Share of CPU time not idle."),
        chart("Load per CPU", [Query(f"sum by (instance_host) (node_load1) / {cpus}", HOST)], "none",
              "1-minute load average divided by the CPUs: above 1, work waits."),
        chart("Memory used", [Query("1 - sum by (instance_host) (node_memory_MemAvailable_bytes)\n"
                                    "/ sum by (instance_host) (node_memory_MemTotal_bytes)", HOST)],
              "percentunit", "Share of memory not available to new work."),
        chart("Pressure stalls", [
            Query(per_second(f"node_pressure_{resource}_waiting_seconds_total", "instance_host"),
                  f"{HOST} {resource}")
            for resource in ("cpu", "memory", "io")
        ], "percentunit", "Share of time some task waited for CPU, memory or I/O (Linux PSI)."),
    ])


def _disks_and_network() -> Row:
    return Row("Disks and network", [
        chart("Filesystem used",
              [Query(f"1 - node_filesystem_avail_bytes{{{DISKS}}} / node_filesystem_size_bytes{{{DISKS}}}",
                     f"{HOST} {{{{mountpoint}}}}")], "percentunit", "Share of each filesystem in use."),
        chart("Disk throughput", [
            Query(per_second("node_disk_read_bytes_total", "instance_host"), f"{HOST} read"),
            Query(per_second("node_disk_written_bytes_total", "instance_host"), f"{HOST} written"),
        ], "Bps", "Bytes read and written, every disk."),
        chart("Disk busy", [Query(per_second("node_disk_io_time_seconds_total", "instance_host, device"),
                                  f"{HOST} {{{{device}}}}")], "percentunit",
              "Share of time each device had I/O in flight."),
        chart("Network", [
            Query(per_second("node_network_receive_bytes_total", "instance_host"), f"{HOST} received"),
            Query(per_second("node_network_transmit_bytes_total", "instance_host"), f"{HOST} sent"),
        ], "Bps", "Bytes through every interface (locally the hosts talk over loopback)."),
        chart("Clock offset", [Query("node_timex_offset_seconds", HOST)], "s",
              "The kernel's estimate of the clock's offset: TLS, etcd leases and log order need it small."),
    ])


def _probes() -> Row:
    return Row("Probes (blackbox)", [
        chart("Probe success", [Query("probe_success", "{{instance}}")], "none",
              "1 when the probed endpoint answered as expected."),
        chart("Until the certificate expires", [Query("probe_ssl_earliest_cert_expiry - time()", "{{instance}}")],
              "s", "Time left on the earliest-expiring certificate each TLS probe saw."),
        chart("Probe duration", [Query("probe_duration_seconds", "{{instance}}")], "s",
              "How long each probe took, connection and TLS included."),
    ])


def build() -> Any:
    return dashboard(UID, "QuantumVest / Hosts",
                     "Scrape targets, the hosts' resources and the blackbox probes of the edge and certificates.",
                     [_targets(), _cpu_and_memory(), _disks_and_network(), _probes()])
