"""Database engine, sessions and the migration-state check used by /readyz."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Request
from sqlalchemy import URL, Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from quantumvest_api import metrics
from quantumvest_api.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def database_url(settings: Settings) -> URL:
    query = {
        "sslmode": settings.db_sslmode,
        "connect_timeout": str(settings.db_connect_timeout_seconds),
        "target_session_attrs": settings.db_target_session_attrs,
        "tcp_user_timeout": str(settings.db_tcp_user_timeout_ms),
        # An idle connection to a host that vanished is noticed within about 10 s.
        "keepalives": "1",
        "keepalives_idle": "5",
        "keepalives_interval": "2",
        "keepalives_count": "2",
        "application_name": "quantumvest-api",
    }
    if settings.db_sslrootcert is not None:
        query["sslrootcert"] = str(settings.db_sslrootcert)
    return URL.create(
        "postgresql+psycopg",
        username=settings.db_user,
        password=settings.db_password(),
        host=settings.db_host,
        port=settings.db_port,
        database=settings.db_name,
        query=query,
    )


def make_engine(settings: Settings) -> Engine:
    return create_engine(
        database_url(settings),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_connect_timeout_seconds,
        pool_pre_ping=True,  # a restarted or failed-over database leaves dead connections behind
        pool_recycle=1800,
    )


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


@dataclass(frozen=True)
class MigrationHistory:
    """This version's migrations: its heads, and every revision it knows."""

    heads: frozenset[str]
    known: frozenset[str]

    def position(self, current: set[str]) -> str:
        """'head'; 'ahead' when the database is at revisions this version does not know (a newer
        release migrated it, with migrations `qvctl deploy` checked backward compatible); 'behind'."""
        if current == self.heads:
            return "head"
        if current and not current & self.known:
            return "ahead"
        return "behind"


def migration_history() -> MigrationHistory:
    script = ScriptDirectory.from_config(alembic_config())
    return MigrationHistory(frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions()))


def current_revisions(engine: Engine) -> set[str]:
    """Revisions recorded in the database; raises if the database is unreachable."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        return set(MigrationContext.configure(connection).get_current_heads())


def update_pool_metrics(engine: Engine) -> None:
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # only a queue pool counts its connections (make_engine makes one)
        return
    metrics.DB_POOL_SIZE.set(pool.size())
    metrics.DB_POOL_CHECKED_OUT.set(pool.checkedout())
    metrics.DB_POOL_CHECKED_IN.set(pool.checkedin())
    metrics.DB_POOL_OVERFLOW.set(max(pool.overflow(), 0))


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session
