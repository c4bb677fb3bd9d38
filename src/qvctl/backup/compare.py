"""Is a restored copy the same data as the live cluster? Row counts and checksums of every table.

The live cluster keeps changing, so "the same" needs one instant both sides agree on. The backup's
own end is no such instant: nothing recorded the source's tables when pgBackRest stopped the backup,
and by now they have moved on. So verify makes its own instant, on the live leader, with the
backup's WAL archive carrying it to the copy:

1. in one transaction (REPEATABLE READ), lock every table of the application database IN SHARE
   MODE: it waits for the transactions writing to them to commit, and holds new writes back;
2. in its first query, take the transaction's snapshot, export it (`pg_export_snapshot`), and
   write a named restore point into the WAL (`pg_create_restore_point`). Every write to those tables
   committed before the locks were granted, so its commit record precedes the restore point, and
   the snapshot sees exactly those writes: the snapshot IS the tables' state at the restore point;
3. a second session adopts the exported snapshot, then the first commits: writers wait only for
   those few milliseconds, and the checksums are read from the frozen snapshot at leisure;
4. the copy is the latest backup restored and recovered up to that restore point (`--type=name`),
   through the WAL archive, then promoted; the same query runs there.

A table whose count or checksum differs is a real difference between the repository's copy and
what the cluster had committed at that instant, however busy the cluster was meanwhile. The
checksum is an md5 over the md5 of every row's text, sorted, so the physical order does not
matter; the sessions fix the settings that shape a row's text (time zone, date and float output).
Unlogged tables are left out: PostgreSQL restores them empty by design.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus

# Settings that decide how a row prints as text: both sides use these.
ROW_TEXT_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3 " \
                   "-c bytea_output=hex"

_TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence = 'p'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class TableSum:
    rows: int
    checksum: str


@dataclass(frozen=True)
class Point:
    """The instant both sides are compared at: a restore point, and the tables' sums at it."""

    restore_point: str
    lsn: str
    tables: dict[str, TableSum]


@dataclass(frozen=True)
class Difference:
    table: str
    source: TableSum | None
    copy: TableSum | None

    def describe(self) -> str:
        if self.copy is None:
            return f"{self.table}: missing in the restored copy"
        if self.source is None:
            return f"{self.table}: in the restored copy only"
        if self.source.rows != self.copy.rows:
            return f"{self.table}: {self.source.rows} rows in the cluster, {self.copy.rows} in the restored copy"
        return f"{self.table}: same {self.source.rows} rows, different content (checksum)"


def differences(source: dict[str, TableSum], copy: dict[str, TableSum]) -> list[Difference]:
    return [Difference(name, source.get(name), copy.get(name)) for name in sorted(set(source) | set(copy))
            if source.get(name) != copy.get(name)]


def _name(schema: str, table: str) -> str:
    return f"{schema}.{table}"


def tables(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1])) for r in conn.execute(_TABLES).fetchall()]


def table_sums(conn: psycopg.Connection[Any], names: list[tuple[str, str]]) -> dict[str, TableSum]:
    sums: dict[str, TableSum] = {}
    for schema, table in names:
        query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
                        "FROM {}.{} AS t").format(sql.Identifier(schema), sql.Identifier(table))
        row = conn.execute(query).fetchone()
        assert row is not None
        sums[_name(schema, table)] = TableSum(int(row[0]), str(row[1]))
    return sums


@dataclass(frozen=True)
class Server:
    """How to reach the live leader as the superuser: TLS, verified against the environment CA."""

    host: str
    port: int
    user: str
    password: str
    ca: Path

    @contextlib.contextmanager
    def connect(self, dbname: str, autocommit: bool = True) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname,
                             sslmode="verify-full", sslrootcert=str(self.ca), connect_timeout=10,
                             options=ROW_TEXT_OPTIONS, autocommit=autocommit,
                             application_name="qvctl backup verify") as conn:
            yield conn


def consistent_point(server: Server, dbname: str, restore_point: str, lock_timeout_seconds: int = 30) -> Point:
    """Steps 1-3 of the module's method: a restore point and the tables' sums at exactly that instant."""
    try:
        with server.connect(dbname) as catalog:
            names = tables(catalog)
        with server.connect(dbname, autocommit=False) as holder, server.connect(dbname, autocommit=False) as reader:
            holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            holder.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{lock_timeout_seconds}s")))
            if names:
                holder.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(
                    sql.SQL(", ").join(sql.Identifier(s, t) for s, t in names)))
            row = holder.execute("SELECT pg_export_snapshot(), pg_create_restore_point(%s)::text",
                                 (restore_point,)).fetchone()
            assert row is not None
            snapshot, lsn = str(row[0]), str(row[1])
            reader.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            holder.commit()  # writers go on; the reader keeps the snapshot
            sums = table_sums(reader, names)
            reader.rollback()
    except psycopg.errors.LockNotAvailable:
        raise QvError(f"could not lock the tables of {dbname} within {lock_timeout_seconds}s: a long transaction "
                      "is writing; try again", ExitStatus.FAILED) from None
    except psycopg.OperationalError as err:
        raise QvError(f"cannot reach the leader {server.host}:{server.port}: {str(err).strip().splitlines()[0]}",
                      ExitStatus.UNREACHABLE) from None
    return Point(restore_point, lsn, sums)
