"""Versions of the API for release tests and benchmarks: real commits whose services/api differs
from HEAD by a small patch (a failing route, a slow one, a migration the stable version cannot
live with), made through a scratch index without touching the working tree."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

APP = "services/api/src/quantumvest_api/app.py"
INIT = "services/api/src/quantumvest_api/__init__.py"
ROUTERS = """    for module in (operations, portfolios, holdings, transactions, prices, risk):
        app.include_router(module.router)
"""


def faulty(body: str) -> Callable[[str], str]:
    """app.py with a dependency on every /api/v1 route that runs `body` first (inside the metrics
    middleware, so the API counts what it does as users see it)."""
    def patch(text: str) -> str:
        assert ROUTERS in text, "app.py changed: update the release tests' patch anchor"
        return text.replace(ROUTERS, (
            "    import asyncio, itertools  # noqa: E401\n"
            "    from fastapi import Depends, HTTPException, Request\n"
            "    counter = itertools.count()\n"
            "    async def fault(request: Request) -> None:\n"
            f"        {body}\n"
            "    for module in (operations, portfolios, holdings, transactions, prices, risk):\n"
            "        app.include_router(module.router, dependencies=[] if module is operations else [Depends(fault)])\n"
        ))
    return patch


Edits = dict[str, Callable[[str], str] | str]  # path -> its new text, or a function of the old

FAILS_EVERY_REQUEST: Edits = {APP: faulty("raise HTTPException(500, 'injected failure')")}
# Every 20th request of one route: 5 % there, about 1.7 % over the three routes of the load.
FAILS_ONE_ROUTE: Edits = {APP: faulty(
    "if request.scope['route'].path == '/api/v1/portfolios/{portfolio_id}' and next(counter) % 20 == 0: "
    "raise HTTPException(500, 'injected failure')")}
SLOWER: Edits = {APP: faulty("await asyncio.sleep(0.8)")}
MIGRATIONS = "services/api/src/quantumvest_api/migrations/versions"
# Expand, never contract: a nullable column the stable version does not know is no harm to it.
ADDS_A_NULLABLE_COLUMN: Edits = {f"{MIGRATIONS}/0003_portfolio_note.py":
                                 '''"""A note on each portfolio (nullable: the running version never writes it)."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("portfolios", sa.Column("note", sa.String(200), nullable=True))
'''}
DROPS_A_USED_COLUMN: Edits = {f"{MIGRATIONS}/0004_drop_base_currency.py":
                              '''"""Drop the base currency (a release the running version cannot live with)."""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.drop_column("portfolios", "base_currency")
'''}


@dataclass
class Repository:
    root: Path

    def git(self, *args: str, env: dict[str, str] | None = None, text_input: str | None = None,
            strip: bool = True) -> str:
        environ = {**os.environ, "GIT_AUTHOR_NAME": "release test", "GIT_AUTHOR_EMAIL": "release@test",
                   "GIT_COMMITTER_NAME": "release test", "GIT_COMMITTER_EMAIL": "release@test", **(env or {})}
        done = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, env=environ,
                              input=text_input, check=True)
        return done.stdout.strip() if strip else done.stdout

    def _exists(self, commit: str, path: str) -> bool:
        return subprocess.run(["git", "-C", str(self.root), "cat-file", "-e", f"{commit}:{path}"],
                              capture_output=True, check=False).returncode == 0

    @classmethod
    def of_checkout(cls, root: Path) -> Repository:
        """The checkout as a repository: made one (everything committed) if it is a copy without git."""
        repo = cls(root)
        if not (root / ".git").exists():
            repo.git("init", "-q", "-b", "main")
            repo.git("add", "-A")
            repo.git("commit", "-q", "-m", "the checkout under test")
        return repo

    def version(self, name: str, edits: Edits, branch: bool = True, parent: str = "HEAD") -> str:
        """HEAD with `edits` (path -> new text, or a function of the old), committed through a scratch
        index (the working tree the platform runs from stays as it is): branch `name`, or the commit
        alone when `branch` is false (nothing left in the repository but an unreachable commit).
        `parent`: the commit it follows (a later release builds on the one promoted before it)."""
        index = {"GIT_INDEX_FILE": str(self.root / ".git" / f"index-{name}")}
        self.git("read-tree", parent, env=index)
        for path, edit in edits.items():
            old = self.git("show", f"{parent}:{path}", strip=False) if self._exists(parent, path) else ""
            blob = self.git("hash-object", "-w", "--stdin", text_input=edit(old) if callable(edit) else edit)
            self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
        tree = self.git("write-tree", env=index)
        commit = self.git("commit-tree", tree, "-p", parent, "-m", f"release test: {name}")
        (self.root / ".git" / f"index-{name}").unlink()
        if not branch:
            return commit
        self.git("branch", "--force", name, commit)
        return name


def good(name: str) -> Edits:
    """A harmless change: a comment, so the commit (and the build) is new."""
    return {INIT: lambda text: text + f"# release {name}\n"}


