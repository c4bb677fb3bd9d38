"""Alembic environment: uses the engine handed over by `qv-api migrate`/tests, else builds one from QV_*.

Offline mode (`alembic upgrade A:B --sql`) prints the migrations' SQL without a database: qvctl
reads it to judge whether a release's migrations leave the running version working.
"""

from alembic import context

from quantumvest_api.models import Base

if context.is_offline_mode():
    # Only the dialect matters when nothing connects: no host, no credentials.
    context.configure(
        url="postgresql://",
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        target_metadata=Base.metadata,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    # Imported here: the engine's modules (FastAPI among them) double the start-up time of offline mode.
    from quantumvest_api.db import make_engine
    from quantumvest_api.settings import Settings

    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = make_engine(Settings())

    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
