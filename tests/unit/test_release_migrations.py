"""The release check on migrations: what breaks the running version is refused, the rest passes.

Each case copies services/api twice (the stable tree and the candidate), gives the candidate a
migration 0003 (and the models that go with it), and judges it with Alembic's offline SQL. Both
versions use this interpreter, but each is read from its own tree (its `src` first on the path).
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from qvctl.context import QvError
from qvctl.release.migrations import (
    Compatibility,
    Needs,
    Version,
    check,
    incompatibilities,
    judge,
    needs,
    used_schema,
)
from tests.conftest import ROOT

API = ROOT / "services" / "api"
PYTHON = Path(sys.executable)
MODELS = Path("src/quantumvest_api/models.py")
VERSIONS = Path("src/quantumvest_api/migrations/versions")


def copy_api(destination: Path) -> Path:
    shutil.copytree(API, destination, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", ".pytest_cache"))
    return destination


def add_migration(tree: Path, upgrade: str) -> None:
    """Revision 0003 on top of 0002 (the stable head), whose upgrade() is `upgrade`."""
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    (tree / VERSIONS / "0003_change.py").write_text(
        f'"""A change."""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f'revision = "0003"\ndown_revision = "0002"\nbranch_labels = None\ndepends_on = None\n\n\n'
        f"def upgrade() -> None:\n{body}\n"
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def stable(tmp_path_factory: pytest.TempPathFactory) -> Version:
    return Version(copy_api(tmp_path_factory.mktemp("stable") / "api"), PYTHON)


@pytest.fixture(scope="module")
def stable_needs(stable: Version) -> Needs:
    # The stable version is the same in every case: read once.
    return needs(stable)


@pytest.fixture
def candidate(tmp_path: Path) -> Version:
    return Version(copy_api(tmp_path / "api"), PYTHON)


def reasons(result: Compatibility) -> list[str]:
    return [incompatibility.reason for incompatibility in result.incompatibilities]


def test_the_stable_version_stands_on_its_head_and_uses_its_models(stable_needs: Needs) -> None:
    assert stable_needs.head == "0002"
    assert stable_needs.used["portfolios"] == {"id", "owner", "name", "base_currency", "revision", "created_at"}
    assert set(stable_needs.used) == {"portfolios", "holdings", "transactions", "price_history"}


def test_the_models_are_read_from_the_tree_not_from_the_installed_package(candidate: Version) -> None:
    nickname = "    nickname: Mapped[str | None] = mapped_column()\n"
    edit(candidate.src / MODELS, "    name: Mapped[str]", f"{nickname}    name: Mapped[str]")
    assert "nickname" in used_schema(candidate.src, candidate.python)["portfolios"]


def test_dropping_a_used_column_is_refused_naming_it(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'op.drop_column("portfolios", "base_currency")')
    edit(candidate.src / MODELS, "    base_currency: Mapped[str] = mapped_column(String(3))\n", "")
    result = judge(stable_needs, candidate)
    assert reasons(result) == ["drops column portfolios.base_currency, which the running version uses"]
    assert result.incompatibilities[0].statement == "ALTER TABLE portfolios DROP COLUMN base_currency"


def test_renaming_a_used_column_is_refused(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'op.alter_column("portfolios", "name", new_column_name="title")')
    edit(candidate.src / MODELS, "    name: Mapped[str]", "    title: Mapped[str]")
    assert reasons(judge(stable_needs, candidate)) == [
        "renames column portfolios.name to title, which the running version uses"
    ]


def test_renaming_a_used_table_is_refused(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'op.rename_table("price_history", "prices")')
    edit(candidate.src / MODELS, '__tablename__ = "price_history"', '__tablename__ = "prices"')
    assert reasons(judge(stable_needs, candidate)) == [
        "renames table price_history to prices, which the running version uses"
    ]


def test_dropping_a_used_table_is_refused(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'op.drop_table("price_history")')
    models = candidate.src / MODELS
    models.write_text(models.read_text().split("\n\nclass PricePoint")[0] + "\n")
    assert reasons(judge(stable_needs, candidate)) == ["drops table price_history, which the running version uses"]


def test_adding_a_not_null_column_without_default_is_refused(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'op.add_column("portfolios", sa.Column("owner", sa.String(100), nullable=False))')
    assert reasons(judge(stable_needs, candidate)) == [
        "adds column portfolios.owner NOT NULL without a default: "
        "the running version's inserts into portfolios do not set it and fail"
    ]


def test_adding_a_nullable_column_is_compatible(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'op.add_column("portfolios", sa.Column("owner", sa.String(100), nullable=True))')
    result = judge(stable_needs, candidate)
    assert result.statements == ("ALTER TABLE portfolios ADD COLUMN owner VARCHAR(100)",)
    assert result.compatible


def test_adding_a_not_null_column_with_server_default_is_compatible(stable_needs: Needs, candidate: Version) -> None:
    add_migration(
        candidate.src,
        'op.add_column("portfolios", sa.Column("owner", sa.String(100), nullable=False, server_default="nobody"))',
    )
    result = judge(stable_needs, candidate)
    assert result.statements == ("ALTER TABLE portfolios ADD COLUMN owner VARCHAR(100) DEFAULT 'nobody' NOT NULL",)
    assert result.compatible


def test_a_new_table_and_index_are_compatible(stable_needs: Needs, candidate: Version) -> None:
    add_migration(
        candidate.src,
        """
        op.create_table(
            "watchlists",
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("portfolio_id", sa.Uuid(), sa.ForeignKey("portfolios.id"), nullable=False),
        )
        op.create_index("ix_watchlists_portfolio_id", "watchlists", ["portfolio_id"])
        """,
    )
    result = judge(stable_needs, candidate)
    assert [statement.split(" (")[0] for statement in result.statements] == [
        "CREATE TABLE watchlists",
        "CREATE INDEX ix_watchlists_portfolio_id ON watchlists",
    ]
    assert result.compatible
    assert result.summary() == "2 statements, compatible"


def test_dropping_what_the_running_version_does_not_use_is_compatible(stable_needs: Needs, candidate: Version) -> None:
    add_migration(
        candidate.src,
        """
        op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("portfolios", sa.Column("note", sa.Text()))
        op.drop_column("portfolios", "note")
        op.drop_table("scratch")
        """,
    )
    result = judge(stable_needs, candidate)
    assert len(result.statements) == 4
    assert result.compatible


def test_a_history_without_the_running_head_is_refused(stable_needs: Needs, candidate: Version) -> None:
    edit(candidate.src / VERSIONS / "0002_portfolio_owner.py", 'revision = "0002"', 'revision = "2000"')
    result = judge(stable_needs, candidate)
    assert [incompatibility.statement for incompatibility in result.incompatibilities] == [None]
    assert reasons(result) == [
        "the candidate's migrations do not contain 0002, the running version's head: "
        "the release does not descend from the running schema"
    ]


def test_no_new_migration_is_compatible_with_no_statements(stable_needs: Needs, candidate: Version) -> None:
    result = judge(stable_needs, candidate)
    assert result.statements == ()
    assert result.summary() == "0 statements, compatible"


def test_raw_sql_dropping_a_used_column_is_caught(stable: Version, candidate: Version) -> None:
    # End to end through check(): the stable version is read here, not taken from the fixture.
    add_migration(candidate.src, 'op.execute("ALTER TABLE portfolios DROP COLUMN name")')
    result = check(stable, candidate)
    assert reasons(result) == ["drops column portfolios.name, which the running version uses"]
    assert result.summary() == "1 statement, 1 incompatible with the running version"


def test_a_migration_that_fails_raises_naming_the_tree(stable_needs: Needs, candidate: Version) -> None:
    add_migration(candidate.src, 'raise RuntimeError("0003 is broken")')
    with pytest.raises(QvError) as raised:
        judge(stable_needs, candidate)
    assert str(candidate.src) in raised.value.message
    assert raised.value.message.endswith("RuntimeError: 0003 is broken")


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("ALTER TABLE portfolios ADD COLUMN n serial PRIMARY KEY", []),
        ("ALTER TABLE portfolios ADD COLUMN n int GENERATED ALWAYS AS IDENTITY NOT NULL", []),
        ("ALTER TABLE portfolios ADD COLUMN n int PRIMARY KEY", ["adds column portfolios.n NOT NULL"]),
        ("ALTER TABLE other ADD COLUMN n int NOT NULL", []),
        ("ALTER TABLE portfolios RENAME COLUMN gone TO n", []),
        ("ALTER TABLE other RENAME TO portfolios_old", []),
        ("DROP TABLE IF EXISTS public.portfolios, other CASCADE", ["drops table portfolios,"]),
        ("ALTER TABLE ONLY portfolios DROP COLUMN IF EXISTS name", ["drops column portfolios.name,"]),
        ("ALTER TABLE portfolios ALTER COLUMN name TYPE text", []),
    ],
)
def test_statements_judged_without_alembic(statement: str, expected: list[str]) -> None:
    found = incompatibilities([statement], {"portfolios": {"id", "name"}})
    assert [reason.reason[: len(prefix)] for reason, prefix in zip(found, expected, strict=False)] == expected
    assert len(found) == len(expected)
