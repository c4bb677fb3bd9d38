"""Whether a release's database migrations leave the running (stable) version working.

During a canary the stable version and the candidate share one database, and the candidate's
migrations have run before any traffic moves. A migration that drops or renames a table or column
the stable version uses, or adds a NOT NULL column without a default to a table it writes, breaks
the stable version: such a release is refused before it starts.

Each version is read with its own interpreter (the virtualenv that has it installed, with SQLAlchemy
and Alembic) in a child process, its source tree first on the path: what is judged is the tree's
code, whatever else the interpreter has installed. The candidate's SQL is what Alembic itself
writes in offline mode, and it is read with PostgreSQL's own parser (pglast): a raw
`op.execute("ALTER TABLE ...")` is judged like `op.drop_column`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pglast import ast, parse_sql, split
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus

CHILD_TIMEOUT_SECONDS = 120
# Where Alembic records the applied revision: its statements are bookkeeping, not the schema.
ALEMBIC_VERSION_TABLE = "alembic_version"
# Types whose columns get a default from a sequence.
SERIAL_TYPES = frozenset({"smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"})
# Constraints that give a new column its value on insert; a primary key makes it NOT NULL.
FILLING_CONSTRAINTS = frozenset({ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED})
NOT_NULL_CONSTRAINTS = frozenset({ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY})

# The child scripts print one JSON document as their last line of output.
_HEADS = """
import json, sys
from alembic.config import Config
from alembic.script import ScriptDirectory
print(json.dumps(list(ScriptDirectory.from_config(Config(sys.argv[1])).get_heads())))
"""

_PENDING_SQL = """
import io, json, sys
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
buffer = io.StringIO()
config = Config(sys.argv[1], output_buffer=buffer)
start = sys.argv[2] or None
if start is not None and start not in {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}:
    print(json.dumps({"missing": start}))
else:
    command.upgrade(config, f"{start}:head" if start else "head", sql=True)
    print(json.dumps({"sql": buffer.getvalue()}))
"""

_USED_SCHEMA = """
import json
from quantumvest_api.models import Base
print(json.dumps({t.name: sorted(c.name for c in t.columns) for t in Base.metadata.tables.values()}))
"""


@dataclass(frozen=True)
class Version:
    """A version of the API: its `services/api` source tree and the interpreter of its virtualenv."""

    src: Path
    python: Path


@dataclass(frozen=True)
class Incompatibility:
    """Why the stable version breaks once the candidate's migrations ran.

    `statement` is the offending SQL, None when the whole migration history is the problem.
    """

    statement: str | None
    reason: str


@dataclass(frozen=True)
class Needs:
    """What the stable version needs of the database: the migration it stands on, the columns it uses."""

    head: str | None
    used: dict[str, set[str]]


@dataclass(frozen=True)
class Compatibility:
    """The candidate's pending migration statements and what in them breaks the stable version."""

    statements: tuple[str, ...]
    incompatibilities: tuple[Incompatibility, ...]

    @property
    def compatible(self) -> bool:
        return not self.incompatibilities

    def summary(self) -> str:
        counted = f"{len(self.statements)} statement{'' if len(self.statements) == 1 else 's'}"
        if self.compatible:
            return f"{counted}, compatible"
        return f"{counted}, {len(self.incompatibilities)} incompatible with the running version"


class UnknownRevision(QvError):
    """The candidate's migration history does not contain the revision to start from."""

    def __init__(self, src: Path, revision: str) -> None:
        super().__init__(f"the migrations of {src} do not contain revision {revision}", ExitStatus.INVALID_INPUT)
        self.revision = revision


def _run(what: str, script: str, version: Version, *args: str) -> Any:
    """The JSON that `script` prints when run by the version's interpreter over the version's tree."""
    if not (version.src / "alembic.ini").is_file():
        raise QvError(f"{version.src} is not a services/api tree: it has no alembic.ini", ExitStatus.INVALID_INPUT)
    environ = {
        "PATH": os.environ.get("PATH", os.defpath),
        # The tree's own package comes first, before any copy installed in the interpreter's venv.
        "PYTHONPATH": str(version.src / "src"),
        # A release's tree is read, never written (no __pycache__ left in it).
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        done = subprocess.run(
            [str(version.python), "-c", script, *args],
            cwd=version.src,
            env=environ,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise QvError(f"cannot {what}: no interpreter at {version.python}", ExitStatus.INVALID_INPUT) from None
    except subprocess.TimeoutExpired:
        raise QvError(f"cannot {what} of {version.src}: took over {CHILD_TIMEOUT_SECONDS} s") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise QvError(f"cannot {what} of {version.src} with {version.python}: {reason}")
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        raise QvError(f"cannot {what} of {version.src}: the child printed no JSON") from None


def head_revision(src: Path, python: Path) -> str | None:
    """The head of the tree's migration history, None when it has no migrations."""
    heads = _run("read the migration heads", _HEADS, Version(src, python), str(src / "alembic.ini"))
    if len(heads) > 1:
        # Several heads leave "the" schema of the version undefined: merge them first.
        raise QvError(f"the migrations of {src} have {len(heads)} heads ({', '.join(heads)}); merge them")
    return str(heads[0]) if heads else None


def pending_sql(candidate_src: Path, python: Path, from_revision: str | None) -> list[str]:
    """The statements of the candidate's migrations after `from_revision` (None: all), for PostgreSQL.

    Alembic writes them (`upgrade <from>:head --sql`); its own bookkeeping (transactions, the
    alembic_version table) is left out. Raises UnknownRevision when the candidate's history does
    not contain `from_revision`.
    """
    version = Version(candidate_src, python)
    args = (str(candidate_src / "alembic.ini"), from_revision or "")
    printed = _run("write the migration SQL", _PENDING_SQL, version, *args)
    if "missing" in printed:
        raise UnknownRevision(candidate_src, str(printed["missing"]))
    sql = str(printed["sql"])
    try:
        return [statement for statement in split(sql) if not _is_bookkeeping(_parse_one(statement))]
    except ParseError as err:
        raise QvError(f"cannot parse the migration SQL of {candidate_src}: {err}") from None


def used_schema(src: Path, python: Path) -> dict[str, set[str]]:
    """The tables of the version's SQLAlchemy models and the columns of each."""
    tables = _run("read the models", _USED_SCHEMA, Version(src, python))
    return {str(table): {str(column) for column in columns} for table, columns in tables.items()}


def incompatibilities(statements: list[str], used: Mapping[str, Set[str]]) -> list[Incompatibility]:
    """What in `statements` breaks a version that uses `used` (tables and their columns).

    Dropping or renaming something the version does not use is compatible.
    """
    found: list[Incompatibility] = []
    for statement in statements:
        try:
            node = _parse_one(statement)
        except ParseError as err:
            raise QvError(f"cannot parse migration statement {statement!r}: {err}") from None
        found.extend(Incompatibility(statement, reason) for reason in _breakages(node, used))
    return found


def needs(stable: Version) -> Needs:
    return Needs(head=head_revision(stable.src, stable.python), used=used_schema(stable.src, stable.python))


def judge(stable: Needs, candidate: Version) -> Compatibility:
    """Whether the candidate's migrations, run on the stable version's schema, leave it working."""
    try:
        statements = pending_sql(candidate.src, candidate.python, stable.head)
    except UnknownRevision:
        reason = (
            f"the candidate's migrations do not contain {stable.head}, the running version's head: "
            "the release does not descend from the running schema"
        )
        return Compatibility(statements=(), incompatibilities=(Incompatibility(None, reason),))
    return Compatibility(tuple(statements), tuple(incompatibilities(statements, stable.used)))


def check(stable: Version, candidate: Version) -> Compatibility:
    """Whether the candidate's migrations leave the stable version working (refuse the release if not)."""
    return judge(needs(stable), candidate)


def _parse_one(statement: str) -> ast.Node:
    (raw,) = parse_sql(statement)
    assert raw.stmt is not None  # the parser yields a statement for every piece split() returns
    return raw.stmt


def _is_bookkeeping(node: ast.Node) -> bool:
    if isinstance(node, ast.TransactionStmt):
        return True
    if isinstance(node, ast.CreateStmt | ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt):
        return node.relation is not None and node.relation.relname == ALEMBIC_VERSION_TABLE
    return False


def _breakages(node: ast.Node, used: Mapping[str, Set[str]]) -> Iterator[str]:
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        for name in node.objects or ():
            table = name[-1].sval  # [schema.]table: the models name tables without a schema
            if table in used:
                yield f"drops table {table}, which the running version uses"
    elif isinstance(node, ast.RenameStmt) and node.relation is not None:
        table = node.relation.relname
        if table is None or table not in used:
            return
        if node.renameType == ObjectType.OBJECT_TABLE:
            yield f"renames table {table} to {node.newname}, which the running version uses"
        elif node.renameType == ObjectType.OBJECT_COLUMN and node.subname in used[table]:
            yield f"renames column {table}.{node.subname} to {node.newname}, which the running version uses"
    elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE and node.relation:
        table = node.relation.relname
        if table is None or table not in used:
            return
        for command in node.cmds or ():
            if command.subtype == AlterTableType.AT_DropColumn and command.name in used[table]:
                yield f"drops column {table}.{command.name}, which the running version uses"
            elif command.subtype == AlterTableType.AT_AddColumn and _required_without_default(command.def_):
                yield (
                    f"adds column {table}.{command.def_.colname} NOT NULL without a default: "
                    f"the running version's inserts into {table} do not set it and fail"
                )


def _required_without_default(column: ast.ColumnDef) -> bool:
    """A new column every insert must set: NOT NULL (or primary key) and nothing fills it."""
    kinds = {constraint.contype for constraint in column.constraints or ()}
    type_names = (column.typeName.names if column.typeName is not None else None) or ()
    serial = bool(type_names) and type_names[-1].sval in SERIAL_TYPES
    return bool(kinds & NOT_NULL_CONSTRAINTS) and not kinds & FILLING_CONSTRAINTS and not serial
