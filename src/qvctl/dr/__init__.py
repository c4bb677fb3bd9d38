"""Failure drills of the local platform's database: faults injected into the real Patroni, etcd and
PostgreSQL processes under a writer that records every acknowledged write, then measured recovery
(RTO) and data loss (RPO), and the topology put back as it was. `qvctl dr` is the command family.
"""
