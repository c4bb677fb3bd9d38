"""Alembic environment: uses the engine handed over by `qv-api migrate`/tests, else builds one from QV_*."""

from alembic import context

from quantumvest_api.db import make_engine
from quantumvest_api.models import Base
from quantumvest_api.settings import Settings

engine = context.config.attributes.get("engine")
if engine is None:
    engine = make_engine(Settings())

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
